/**
 * An ended span's OTLP/JSON (one entry of an export request's `spans`), written from its record
 * (`span-record.ts`) — the same document `@opentelemetry/otlp-transformer` makes for the SDK's
 * span (`otlp-json.ts` holds the pieces both use).
 */
import type { Attributes, Link } from '@opentelemetry/api';
import { attributeJson, attributesJson, flagsOf, msNanos } from './otlp-json.ts';
import type { SpanRecord, UnpackedSpan } from './span-record.ts';

export interface TimedEvent {
  name: string;
  attributes: Attributes | undefined;
  /** Milliseconds since the epoch. */
  at: number;
}

/** The JSON of `events`, without the array's brackets. */
export function eventsJson(events: readonly TimedEvent[] | undefined): string {
  if (events === undefined) return '';
  let out = '';
  for (const [i, event] of events.entries()) {
    if (i > 0) out += ',';
    out += `{"attributes":${attributesJson(event.attributes)},"name":${JSON.stringify(event.name)},"timeUnixNano":"${msNanos(event.at)}","droppedAttributesCount":0}`;
  }
  return out;
}

/** The JSON of `links`, without the array's brackets. */
export function linksJson(links: readonly Link[] | undefined): string {
  if (links === undefined) return '';
  let out = '';
  for (const [i, link] of links.entries()) {
    if (i > 0) out += ',';
    const state = link.context.traceState?.serialize();
    out += `{"attributes":${attributesJson(link.attributes)},"spanId":"${link.context.spanId}","traceId":"${link.context.traceId}"`;
    if (state) out += `,"traceState":${JSON.stringify(state)}`;
    out += `,"droppedAttributesCount":0,"flags":${flagsOf(link.context.traceFlags, link.context.isRemote)}}`;
  }
  return out;
}

/** `span`'s JSON. */
export function spanRecordJson(span: SpanRecord): string {
  return spanJson(span, attributesJson(span.attributes));
}

/** `span`'s JSON, its attributes' JSON array written already. */
function spanJson(span: Omit<SpanRecord, 'attributes'>, attributes: string): string {
  let out = `{"traceId":"${span.traceId}","spanId":"${span.spanId}"`;
  if (span.parentSpanId !== undefined) out += `,"parentSpanId":"${span.parentSpanId}"`;
  if (span.traceState) out += `,"traceState":${JSON.stringify(span.traceState)}`;
  out += `,"name":${JSON.stringify(span.name)},"kind":${span.kind}`;
  out += `,"startTimeUnixNano":"${msNanos(span.startMs)}","endTimeUnixNano":"${msNanos(span.endMs)}"`;
  out += `,"attributes":${attributes},"droppedAttributesCount":0,"events":[${span.events}]`;
  out += `,"droppedEventsCount":0,"status":{"code":${span.statusCode}`;
  if (span.statusMessage !== undefined) out += `,"message":${JSON.stringify(span.statusMessage)}`;
  out += `},"links":[${span.links}],"droppedLinksCount":0,"flags":${span.flags}}`;
  return out;
}

/** The JSON of a span the span thread read back (`span-pack.ts`). */
export function unpackedSpanJson(span: UnpackedSpan): string {
  const { count, keys, values } = span;
  let attributes = '[';
  for (let i = 0; i < count; i++) {
    if (i > 0) attributes += ',';
    const value = values[i]!;
    attributes += typeof value === 'object' ? value.j : attributeJson(keys[i]!, value);
  }
  return spanJson(span, `${attributes}]`);
}
