/**
 * The pieces of OTLP's protobuf encoding (opentelemetry-proto's `common.proto`, `trace.proto`)
 * written with `proto-writer.ts`: times as fixed64 nanoseconds, attribute values (`AnyValue`)
 * and key-values, from the values themselves or from their OTLP JSON (the events, links and rare
 * attribute values that reach the span thread as JSON: `span-record.ts`). Field for field what
 * `@opentelemetry/otlp-transformer`'s `ProtobufTraceSerializer` writes for the same values.
 */
import { I64, LEN, type ProtoWriter, VARINT } from './proto-writer.ts';

const TWO_32 = 0x100000000;

/** `seconds` and `nanos` since the epoch as a fixed64 of nanoseconds, exactly (no BigInt). */
export function writeSecondsNanos(w: ProtoWriter, seconds: number, nanos: number): void {
  // seconds · 10⁹ in two exact halves: its low 16 bits' share and its upper bits' (× 2¹⁶).
  const lowShare = (seconds % 0x10000) * 1e9;
  const highShare = Math.floor(seconds / 0x10000) * 1e9;
  const low = (lowShare % TWO_32) + (highShare % 0x10000) * 0x10000 + nanos;
  const high = Math.floor(lowShare / TWO_32) + Math.floor(highShare / 0x10000) + Math.floor(low / TWO_32);
  w.fixed64(low % TWO_32, high);
}

/** A time in milliseconds since the epoch (fractions kept), as `msNanos` (`otlp-json.ts`) reads it. */
export function writeMsTime(w: ProtoWriter, ms: number): void {
  const seconds = Math.floor(ms / 1000);
  writeSecondsNanos(w, seconds, Math.min(999_999_999, Math.round((ms - seconds * 1000) * 1e6)));
}

/** A decimal string of nanoseconds (OTLP JSON's times). */
export function writeNanosText(w: ProtoWriter, text: string): void {
  const nanos = BigInt(text);
  w.fixed64(Number(nanos & 0xffffffffn), Number((nanos >> 32n) & 0xffffffffn));
}

const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

/** An `AnyValue`'s fields (its own length written by the caller). */
export function writeAnyValue(w: ProtoWriter, value: unknown): void {
  switch (typeof value) {
    case 'string':
      w.tag(1, LEN);
      w.string(value);
      return;
    case 'boolean':
      w.tag(2, VARINT);
      w.varint(value ? 1 : 0);
      return;
    case 'number':
      if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
        w.tag(3, VARINT);
        w.varint(value);
      } else {
        w.tag(4, I64);
        w.double(value);
      }
      return;
    default:
      if (Array.isArray(value)) {
        w.tag(5, LEN);
        const array = w.begin();
        for (const item of value) {
          w.tag(1, LEN);
          const at = w.begin();
          writeAnyValue(w, item);
          w.end(at);
        }
        w.end(array);
      }
  }
}

/** A `KeyValue` as field `field` of the message being written. */
export function writeKeyValue(w: ProtoWriter, field: number, key: string, value: unknown): void {
  w.tag(field, LEN);
  const pair = w.begin();
  w.tag(1, LEN);
  w.string(key);
  w.tag(2, LEN);
  const at = w.begin();
  writeAnyValue(w, value);
  w.end(at);
  w.end(pair);
}

export function writeAttributes(
  w: ProtoWriter,
  field: number,
  attributes: Record<string, unknown> | undefined,
): void {
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined && value !== null) writeKeyValue(w, field, key, value);
  }
}

/** An OTLP JSON `AnyValue` (`{"stringValue": …}`, …) as the value it stands for. */
export interface JsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  /** `null`: a number JSON could not hold (NaN or ±Infinity), taken as NaN. */
  doubleValue?: number | null;
  arrayValue?: { values?: JsonAnyValue[] };
}

export function jsonAnyValue(value: JsonAnyValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue ?? Number.NaN;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(jsonAnyValue);
  return undefined;
}

export interface JsonKeyValue {
  key: string;
  value: JsonAnyValue;
}

/** OTLP JSON `KeyValue`s as field `field` of the message being written. */
export function writeJsonAttributes(w: ProtoWriter, field: number, pairs: readonly JsonKeyValue[]): void {
  for (const { key, value } of pairs) writeKeyValue(w, field, key, jsonAnyValue(value));
}
