/**
 * Ended spans as an OTLP/HTTP JSON export request (`ExportTraceServiceRequest`), written straight
 * into one string — the same document `@opentelemetry/otlp-transformer` makes (hex ids, times as
 * decimal strings of nanoseconds, `kind` + 1, W3C flags with the has-is-remote bits), without the
 * tree of objects it builds per span, the BigInt per timestamp and the `JSON.stringify` of it all:
 * at a few thousand calls a second, that was most of what tracing cost the gateway.
 */
import type { Attributes, AttributeValue, HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

/** `[seconds, nanoseconds]` as the decimal string of its nanoseconds. */
export function nanos([seconds, ns]: HrTime): string {
  const s = Math.trunc(seconds);
  const n = Math.trunc(ns);
  if (s === 0) return String(n);
  const tail = String(n);
  return `${s}${'000000000'.slice(tail.length)}${tail}`;
}

/** A time in milliseconds since the epoch (fractions kept) as the decimal string of its nanoseconds. */
export function msNanos(ms: number): string {
  const s = Math.floor(ms / 1000);
  const ns = Math.min(999_999_999, Math.round((ms - s * 1000) * 1e6));
  return nanos([s, ns]);
}

function anyValue(value: AttributeValue | undefined): string {
  switch (typeof value) {
    case 'string':
      return `{"stringValue":${JSON.stringify(value)}}`;
    case 'number':
      return Number.isInteger(value) ? `{"intValue":${value}}` : `{"doubleValue":${JSON.stringify(value)}}`;
    case 'boolean':
      return `{"boolValue":${value}}`;
    default:
      if (Array.isArray(value))
        return `{"arrayValue":{"values":[${value.map((v) => anyValue(v ?? undefined)).join(',')}]}}`;
      return '{}';
  }
}

/**
 * The JSON of string attributes already written, by key then value: most of a gateway's span
 * attributes repeat (method, tool, backend, worker, transport), and writing them again — a
 * `JSON.stringify` per key and per value — was most of an export's cost. A key with more than
 * `MAX_VALUES_PER_KEY` distinct values (request ids, session ids) stops being cached; at most
 * `MAX_KEYS` keys are.
 */
const MAX_KEYS = 256;
const MAX_VALUES_PER_KEY = 128;
const written = new Map<string, Map<string, string> | null>();

function stringAttributeJson(key: string, value: string): string {
  let values = written.get(key);
  if (values === undefined) {
    values = written.size < MAX_KEYS ? new Map() : null;
    written.set(key, values);
  }
  if (values === null)
    return `{"key":${JSON.stringify(key)},"value":{"stringValue":${JSON.stringify(value)}}}`;
  let json = values.get(value);
  if (json === undefined) {
    json = `{"key":${JSON.stringify(key)},"value":{"stringValue":${JSON.stringify(value)}}}`;
    if (values.size < MAX_VALUES_PER_KEY) values.set(value, json);
    else written.set(key, null);
  }
  return json;
}

/** One attribute's JSON (`{"key":…,"value":…}`). */
export function attributeJson(key: string, value: AttributeValue): string {
  return typeof value === 'string'
    ? stringAttributeJson(key, value)
    : `{"key":${JSON.stringify(key)},"value":${anyValue(value)}}`;
}

export function attributesJson(attributes: Attributes | undefined): string {
  if (attributes === undefined) return '[]';
  let out = '';
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    if (out !== '') out += ',';
    out += attributeJson(key, value);
  }
  return `[${out}]`;
}

export function flagsOf(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote ? IS_REMOTE : 0);
}

function spanJson(span: ReadableSpan): string {
  const context = span.spanContext();
  const parent = span.parentSpanContext;
  const status = span.status;
  const traceState = context.traceState?.serialize();
  let out = `{"traceId":"${context.traceId}","spanId":"${context.spanId}"`;
  if (parent?.spanId) out += `,"parentSpanId":"${parent.spanId}"`;
  if (traceState) out += `,"traceState":${JSON.stringify(traceState)}`;
  out += `,"name":${JSON.stringify(span.name)},"kind":${(span.kind ?? -1) + 1}`;
  out += `,"startTimeUnixNano":"${nanos(span.startTime)}","endTimeUnixNano":"${nanos(span.endTime)}"`;
  out += `,"attributes":${attributesJson(span.attributes)},"droppedAttributesCount":${span.droppedAttributesCount}`;
  out += ',"events":[';
  for (const [i, event] of span.events.entries()) {
    if (i > 0) out += ',';
    out += `{"attributes":${attributesJson(event.attributes)},"name":${JSON.stringify(event.name)},"timeUnixNano":"${nanos(event.time)}","droppedAttributesCount":${event.droppedAttributesCount ?? 0}}`;
  }
  out += `],"droppedEventsCount":${span.droppedEventsCount}`;
  out += `,"status":{"code":${status.code}${status.message !== undefined ? `,"message":${JSON.stringify(status.message)}` : ''}}`;
  out += ',"links":[';
  for (const [i, link] of span.links.entries()) {
    if (i > 0) out += ',';
    const state = link.context.traceState?.serialize();
    out += `{"attributes":${attributesJson(link.attributes)},"spanId":"${link.context.spanId}","traceId":"${link.context.traceId}"`;
    if (state) out += `,"traceState":${JSON.stringify(state)}`;
    out += `,"droppedAttributesCount":${link.droppedAttributesCount ?? 0},"flags":${flagsOf(link.context.traceFlags, link.context.isRemote)}}`;
  }
  out += `],"droppedLinksCount":${span.droppedLinksCount},"flags":${flagsOf(context.traceFlags, parent?.isRemote)}}`;
  return out;
}

/** The export request of `spans`, grouped by resource, then by instrumentation scope. */
export function exportTraceRequestJson(spans: readonly ReadableSpan[]): string {
  const resources = new Map<ReadableSpan['resource'], Map<string, ReadableSpan[]>>();
  for (const span of spans) {
    let scopes = resources.get(span.resource);
    if (scopes === undefined) {
      scopes = new Map();
      resources.set(span.resource, scopes);
    }
    const scope = span.instrumentationScope;
    const key = `${scope.name}@${scope.version ?? ''}:${scope.schemaUrl ?? ''}`;
    const list = scopes.get(key);
    if (list === undefined) scopes.set(key, [span]);
    else list.push(span);
  }
  const resourceSpans: string[] = [];
  for (const [resource, scopes] of resources) {
    const scopeSpans: string[] = [];
    for (const list of scopes.values()) {
      const scope = list[0]!.instrumentationScope;
      let scopeJson = `{"name":${JSON.stringify(scope.name)}`;
      if (scope.version !== undefined) scopeJson += `,"version":${JSON.stringify(scope.version)}`;
      scopeJson += '}';
      const schema = scope.schemaUrl ? `,"schemaUrl":${JSON.stringify(scope.schemaUrl)}` : '';
      scopeSpans.push(`{"scope":${scopeJson},"spans":[${list.map(spanJson).join(',')}]${schema}}`);
    }
    const schema = resource.schemaUrl ? `,"schemaUrl":${JSON.stringify(resource.schemaUrl)}` : '';
    resourceSpans.push(
      `{"resource":{"attributes":${attributesJson(resource.attributes)},"droppedAttributesCount":0}${schema},"scopeSpans":[${scopeSpans.join(',')}]}`,
    );
  }
  return `{"resourceSpans":[${resourceSpans.join(',')}]}`;
}
