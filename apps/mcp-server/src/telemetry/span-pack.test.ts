import { describe, expect, it } from 'vitest';
import { spanRecordJson, unpackedSpanJson } from './span-json.ts';
import { type Packed, SpanPacker, SpanUnpacker } from './span-pack.ts';
import type { SpanRecord } from './span-record.ts';

function record(i: number): SpanRecord {
  return {
    // Runs of the same trace id and name, values repeated and changed, a key's value's type changed.
    traceId: i % 5 < 2 ? '0af7651916cd43dd8448eb211c80319c' : '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: 'b7ad6b7169203331',
    parentSpanId: undefined,
    traceState: undefined,
    name: i % 4 === 0 ? `span ${i}` : 'span',
    kind: 1,
    startMs: 1_700_000_000_000.25 + i,
    endMs: 1_700_000_000_001.5 + i,
    flags: 0x101,
    statusCode: 0,
    statusMessage: undefined,
    // A key of its own per span (past the numbered keys after 1,024), and shared ones.
    attributes: {
      [`own.${i}`]: i,
      shared: 'x',
      some: i % 3 === 0 ? 'x' : 'y',
      flip: i % 7 === 0 ? 5 : 'a',
      list: [i],
      gone: undefined as never,
    },
    events: '',
    links: '',
  };
}

describe('SpanPacker / SpanUnpacker', () => {
  it('carry spans through JSON as their OTLP JSON, keys numbered alike past the table’s bound', () => {
    const packer = new SpanPacker();
    const unpacker = new SpanUnpacker();
    const records = Array.from({ length: 1_100 }, (_, i) => record(i));
    const got: string[] = [];
    // In batches of 7, each through a JSON round trip, as the span thread gets them.
    for (let i = 0; i < records.length; i += 7) {
      const packed: Packed = [];
      for (const r of records.slice(i, i + 7)) packer.pack(packed, r);
      unpacker.unpack(JSON.parse(JSON.stringify(packed)) as Packed, (span) =>
        got.push(unpackedSpanJson(span)),
      );
    }
    expect(got).toEqual(records.map((r) => spanRecordJson(r)));
  });
});
