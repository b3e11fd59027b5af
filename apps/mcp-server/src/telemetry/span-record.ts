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
