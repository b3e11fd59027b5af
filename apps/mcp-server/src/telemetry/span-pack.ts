/**
 * Ended spans' records (`span-record.ts`) packed into one flat array of strings and numbers — the
 * form the main thread hands the span thread, as one JSON string per batch (`span-shipper.ts`):
 * `JSON.stringify` of flat primitives and a string `postMessage` cost the main thread a fraction
 * of what the structured clone of a record object each did (measured: ~0.5 µs a span against ~2).
 *
 * A span is 14 slots — trace id, span id, parent span id (or null), trace state (or null), name,
 * kind, start, end, flags, status code, status message (or null), events' JSON, links' JSON, the
 * number of attributes — then a key and a value per attribute. A value that JSON would not carry
 * as itself (an array, a number not finite) travels as its attribute's JSON, `{"j": …}` (a number
 * not finite also as its name, `"n"`, for the protobuf writer: `span-record.ts`'s `PackedValue`).
 *
 * Attribute keys are few and repeat in every span (most of a span's bytes were its keys): the
 * packer numbers each key the first time it sends it (as a string; the first `MAX_KEYS` keys) and
 * sends the number after that; the unpacker numbers the keys it receives the same way. Most
 * values repeat too (method, tool, backend, worker, transport, version, session): a numbered key
 * whose string value is the one it had last is one slot, `-(key + 1)`, with no value; and a span
 * whose trace id or name is the previous span's sends 0 in its place (a call's client span and
 * server span share both). So a packer and its unpacker must see the same batches in the same
 * order (one span thread each).
 */
import { attributeJson } from './otlp-json.ts';
import { blankSpanFields, type PackedValue, type SpanRecord, type UnpackedSpan } from './span-record.ts';

export type Packed = (string | number | boolean | null | { j: string; n?: string })[];

const HEAD = 14;

/** Keys numbered at most (either side); a key past these always travels as its string. */
const MAX_KEYS = 1_024;

/** The main thread's side: packs spans, numbering their attribute keys. */
export class SpanPacker {
  private readonly keys = new Map<string, number>();
  /** The string value each numbered key had last. */
  private readonly last: (string | undefined)[] = [];
  private lastTraceId = '';
  private lastName = '';

  /** Appends `span` to `out`. */
  pack(out: Packed, span: SpanRecord): void {
    const at = out.length + HEAD - 1;
    const { traceId, name } = span;
    const sameTrace = traceId === this.lastTraceId;
    const sameName = name === this.lastName;
    this.lastTraceId = traceId;
    this.lastName = name;
    out.push(
      sameTrace ? 0 : traceId,
      span.spanId,
      span.parentSpanId ?? null,
      span.traceState || null,
      sameName ? 0 : name,
      span.kind,
      span.startMs,
      span.endMs,
      span.flags,
      span.statusCode,
      span.statusMessage ?? null,
      span.events,
      span.links,
      0,
    );
    let count = 0;
    const { attributes } = span;
    const { keys, last } = this;
    for (const key in attributes) {
      const value = attributes[key];
      if (value === undefined || value === null) continue;
      count++;
      let slot: string | number | undefined = keys.get(key);
      let numbered = slot;
      if (slot === undefined) {
        slot = key;
        if (keys.size < MAX_KEYS) {
          numbered = keys.size;
          keys.set(key, numbered);
        }
      } else if (value === last[slot]) {
        out.push(-slot - 1);
        continue;
      }
      if (typeof value === 'string') {
        if (numbered !== undefined) last[numbered] = value;
        out.push(slot, value);
      } else if (typeof value === 'boolean' || Number.isFinite(value))
        out.push(slot, value as number | boolean);
      else if (typeof value === 'number') out.push(slot, { j: attributeJson(key, value), n: String(value) });
      else out.push(slot, { j: attributeJson(key, value) });
    }
    out[at] = count;
  }
}

/** The span thread's side: reads packed spans back, with the keys numbered as the packer did. */
export class SpanUnpacker {
  private readonly numbered: string[] = [];
  /** The string value each numbered key had last. */
  private readonly last: string[] = [];
  private readonly span: UnpackedSpan = {
    ...blankSpanFields(),
    count: 0,
    keys: [],
    values: [],
  };

  /**
   * Each span in `packed` (as `SpanPacker` wrote them, after a JSON round trip), handed to `each`
   * as one object overwritten span after span: `each` must not keep it.
   */
  unpack(packed: Packed, each: (span: UnpackedSpan) => void): void {
    const { span, numbered: table, last } = this;
    const { keys, values } = span;
    for (let at = 0; at < packed.length; ) {
      // 0: the previous span's trace id, name.
      if (packed[at] !== 0) span.traceId = packed[at] as string;
      span.spanId = packed[at + 1] as string;
      span.parentSpanId = (packed[at + 2] as string | null) ?? undefined;
      span.traceState = (packed[at + 3] as string | null) ?? undefined;
      if (packed[at + 4] !== 0) span.name = packed[at + 4] as string;
      span.kind = packed[at + 5] as number;
      span.startMs = packed[at + 6] as number;
      span.endMs = packed[at + 7] as number;
      span.flags = packed[at + 8] as number;
      span.statusCode = packed[at + 9] as number;
      span.statusMessage = (packed[at + 10] as string | null) ?? undefined;
      span.events = packed[at + 11] as string;
      span.links = packed[at + 12] as string;
      const count = packed[at + 13] as number;
      span.count = count;
      at += HEAD;
      for (let i = 0; i < count; i++) {
        const slot = packed[at] as string | number;
        if (typeof slot === 'number' && slot < 0) {
          // A numbered key with the string value it had last.
          const n = -slot - 1;
          keys[i] = table[n] as string;
          values[i] = last[n] as string;
          at += 1;
          continue;
        }
        let n: number | undefined;
        if (typeof slot === 'number') {
          keys[i] = table[slot] as string;
          n = slot;
        } else {
          keys[i] = slot;
          if (table.length < MAX_KEYS) n = table.push(slot) - 1;
        }
        const value = packed[at + 1] as PackedValue;
        if (typeof value === 'string' && n !== undefined) last[n] = value;
        values[i] = value;
        at += 2;
      }
      each(span);
    }
  }
}
