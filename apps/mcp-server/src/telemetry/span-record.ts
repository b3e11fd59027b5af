/**
 * An ended span as the facts its OTLP JSON is written from (`span-json.ts`): what the gateway's
 * main thread keeps of a span (`lean-span.ts`) and hands to the span thread (`span-pack.ts`), which
 * writes and exports it. Numbers and strings the span already holds — no JSON is written per span
 * on the main thread, but for the rare events and links (kept as their JSON, their objects are not
 * plain data).
 */
import type { Attributes } from '@opentelemetry/api';

export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  /** The W3C `tracestate`, serialized; `undefined` or `''`: none. */
  traceState: string | undefined;
  name: string;
  /** OTLP's span kind (the API's + 1). */
  kind: number;
  /** Milliseconds since the epoch, fractions kept. */
  startMs: number;
  endMs: number;
  /** OTLP's span flags: the W3C trace flags and the has-is-remote / is-remote bits. */
  flags: number;
  statusCode: number;
  statusMessage: string | undefined;
  attributes: Attributes;
  /** The OTLP JSON of the span's events, and of its links, without their brackets (`''`: none). */
  events: string;
  links: string;
}

/** A span's fields but its attributes, blank: the start of the one record each side overwrites span after span. */
export function blankSpanFields(): Omit<SpanRecord, 'attributes'> {
  return {
    traceId: '',
    spanId: '',
    parentSpanId: undefined,
    traceState: undefined,
    name: '',
    kind: 0,
    startMs: 0,
    endMs: 0,
    flags: 0,
    statusCode: 0,
    statusMessage: undefined,
    events: '',
    links: '',
  };
}

/**
 * An attribute's value as it travels from the main thread to the span thread (`span-pack.ts`): a
 * string, a finite number, a boolean as themselves; anything else as its attribute's OTLP JSON
 * (`j`), with a number not finite also as its name (`n`: `NaN`, `Infinity`, `-Infinity`), which
 * JSON cannot hold.
 */
export type PackedValue = string | number | boolean | { j: string; n?: string };

/**
 * A span as the span thread reads it from a batch (`span-pack.ts`) and writes it into an export
 * request (`request-json.ts`, `request-protobuf.ts`): its record, but for its attributes — the
 * first `count` of `keys` and `values`. One object, overwritten span after span.
 */
export interface UnpackedSpan extends Omit<SpanRecord, 'attributes'> {
  count: number;
  keys: string[];
  values: PackedValue[];
}
