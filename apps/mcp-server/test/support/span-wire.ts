/**
 * What the telemetry unit tests share: ids that are known in advance (for the lean tracer and the
 * SDK's alike), and a span sink that sends each ended span the way the span thread gets it — packed,
 * through a JSON round trip of its message, unpacked.
 */
import type { IdGenerator } from '@opentelemetry/sdk-trace';
import { IdSource, type RandomBytes } from '../../src/telemetry/ids.ts';
import { type Packed, SpanPacker, SpanUnpacker } from '../../src/telemetry/span-pack.ts';
import type { SpanRecord, UnpackedSpan } from '../../src/telemetry/span-record.ts';

/** Random bytes counting up from 1: the ids of a run are known. */
export function counting(): RandomBytes {
  let next = 1;
  return (into) => {
    for (let i = 0; i < into.length; i++) into[i] = next++ & 0xff;
  };
}

/** The same ids as `IdSource(counting())`, for the SDK's tracer. */
export function countingIds(): IdGenerator {
  const ids = new IdSource(counting());
  return { generateTraceId: () => ids.traceId(), generateSpanId: () => ids.spanId() };
}

/** A lean tracer's sink handing each ended span to `onSpan` as the span thread reads it. */
export function wireSink(onSpan: (span: UnpackedSpan) => void): { add(span: SpanRecord): void } {
  const packer = new SpanPacker();
  const unpacker = new SpanUnpacker();
  return {
    add(span: SpanRecord) {
      const packed: Packed = [];
      packer.pack(packed, span);
      unpacker.unpack(JSON.parse(JSON.stringify(packed)) as Packed, onSpan);
    },
  };
}
