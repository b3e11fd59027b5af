/**
 * OTLP/HTTP protobuf export requests (`http/protobuf`, the OTel spec's default): each span read
 * back on the span thread (`span-pack.ts`) written straight into one reused, growable buffer
 * (`proto-writer.ts`) as a `ScopeSpans.spans` entry, after room left for the request's head (the
 * resource's and scope's bytes, written once, and the lengths), filled in when the request is
 * taken; the buffer is written into again once its request was sent. No object per span, no JSON.
 * Field for field what `@opentelemetry/otlp-transformer`'s `ProtobufTraceSerializer` writes for the
 * same spans (checked by `request-protobuf.test.ts`).
 *
 * ExportTraceServiceRequest { 1 resource_spans: ResourceSpans { 1 resource, 2 scope_spans:
 * ScopeSpans { 1 scope, 2 spans…, 3 schema_url }, 3 schema_url } }
 */
import {
  type JsonKeyValue,
  writeAttributes,
  writeJsonAttributes,
  writeKeyValue,
  writeMsTime,
  writeNanosText,
} from './otlp-protobuf.ts';
import { I32, I64, LEN, ProtoWriter, putVarint, VARINT, varintSize } from './proto-writer.ts';
import type { RequestEnvelope } from './request-envelope.ts';
import type { RequestWriter } from './span-batches.ts';
import type { UnpackedSpan } from './span-record.ts';

interface JsonEvent {
  attributes?: JsonKeyValue[];
  name: string;
  timeUnixNano: string;
  droppedAttributesCount?: number;
}

interface JsonLink {
  attributes?: JsonKeyValue[];
  traceId: string;
  spanId: string;
  traceState?: string;
  droppedAttributesCount?: number;
  flags?: number;
}

/** String attributes' bytes kept: keys at most, values per key at most (as `otlp-json.ts` keeps their JSON). */
const MAX_KEYS = 256;
const MAX_VALUES_PER_KEY = 128;

export class ProtobufRequestWriter implements RequestWriter<UnpackedSpan, Uint8Array> {
  /**
   * The request being written: room for its head (`headroom` bytes), then its spans, each a
   * `ScopeSpans.spans` field. Taken, its bytes are the request's until released (sent); then it
   * is written into again (`free`): fresh buffers of a few hundred KB cost page faults.
   */
  private out = new ProtoWriter();
  private readonly headroom: number;
  private readonly lent = new Map<Uint8Array, ProtoWriter>();
  private readonly free: ProtoWriter[] = [];
  /** The `Resource` and `InstrumentationScope` fields, with their tags. */
  private readonly resource: Uint8Array;
  private readonly scope: Uint8Array;
  /** `ResourceSpans.schema_url`, with its tag (or nothing). */
  private readonly resourceTail: Uint8Array;
  /** The bytes of string attributes written, by key then value (`stringAttribute`). */
  private readonly written = new Map<string, Map<string, Uint8Array> | null>();
  spans = 0;

  constructor({ resource, scope }: RequestEnvelope) {
    const w = new ProtoWriter(1024);
    w.tag(1, LEN);
    let at = w.begin();
    writeAttributes(w, 1, resource.attributes);
    w.tag(2, VARINT);
    w.varint(0);
    w.end(at);
    this.resource = w.bytes();
    w.reset();
    w.tag(1, LEN);
    at = w.begin();
    w.tag(1, LEN);
    w.string(scope.name);
    if (scope.version) {
      w.tag(2, LEN);
      w.string(scope.version);
    }
    w.end(at);
    this.scope = w.bytes();
    w.reset();
    if (resource.schemaUrl) {
      w.tag(3, LEN);
      w.string(resource.schemaUrl);
    }
    this.resourceTail = w.bytes();
    // The longest head: two tags, two lengths of 5 bytes at most, the resource's and scope's bytes.
    this.headroom = 12 + this.resource.length + this.scope.length;
    this.out.pos = this.headroom;
  }

  add(span: UnpackedSpan): void {
    const w = this.out;
    w.tag(2, LEN);
    const at = w.begin();
    w.tag(1, LEN);
    w.hexBytes(span.traceId);
    w.tag(2, LEN);
    w.hexBytes(span.spanId);
    if (span.traceState) {
      w.tag(3, LEN);
      w.string(span.traceState);
    }
    if (span.parentSpanId !== undefined) {
      w.tag(4, LEN);
      w.hexBytes(span.parentSpanId);
    }
    w.tag(5, LEN);
    w.string(span.name);
    if (span.kind !== 0) {
      w.tag(6, VARINT);
      w.varint(span.kind);
    }
    w.tag(7, I64);
    writeMsTime(w, span.startMs);
    w.tag(8, I64);
    writeMsTime(w, span.endMs);
    const { count, keys, values } = span;
    for (let i = 0; i < count; i++) {
      const value = values[i]!;
      if (typeof value === 'string') this.stringAttribute(keys[i]!, value);
      else if (typeof value !== 'object') writeKeyValue(w, 9, keys[i]!, value);
      else if (value.n !== undefined) writeKeyValue(w, 9, keys[i]!, Number(value.n));
      else writeJsonAttributes(w, 9, [JSON.parse(value.j) as JsonKeyValue]);
    }
    w.tag(10, VARINT);
    w.varint(0);
    if (span.events !== '')
      for (const event of JSON.parse(`[${span.events}]`) as JsonEvent[]) writeEvent(w, event);
    w.tag(12, VARINT);
    w.varint(0);
    if (span.links !== '') for (const link of JSON.parse(`[${span.links}]`) as JsonLink[]) writeLink(w, link);
    w.tag(14, VARINT);
    w.varint(0);
    w.tag(15, LEN);
    const status = w.begin();
    if (span.statusMessage) {
      w.tag(2, LEN);
      w.string(span.statusMessage);
    }
    w.tag(3, VARINT);
    w.varint(span.statusCode);
    w.end(status);
    if (span.flags !== 0) {
      w.tag(16, I32);
      w.fixed32(span.flags);
    }
    w.end(at);
    this.spans++;
  }

  take(): Uint8Array {
    const spans = this.out;
    const { resource, scope, resourceTail, headroom } = this;
    spans.raw(resourceTail);
    const scopeSpans = scope.length + spans.pos - headroom;
    const resourceSpans = resource.length + 1 + varintSize(scopeSpans) + scopeSpans;
    // The request's head, right before the spans (in the room left for it).
    const start =
      headroom -
      (1 + varintSize(resourceSpans) + resource.length + 1 + varintSize(scopeSpans) + scope.length);
    const bytes = spans.buffer;
    bytes[start] = (1 << 3) | LEN;
    let at = putVarint(bytes, start + 1, resourceSpans);
    bytes.set(resource, at);
    at += resource.length;
    bytes[at++] = (2 << 3) | LEN;
    at = putVarint(bytes, at, scopeSpans);
    bytes.set(scope, at);
    const body = bytes.subarray(start, spans.pos);
    this.lent.set(body, spans);
    this.out = this.free.pop() ?? new ProtoWriter(spans.buffer.length);
    this.out.pos = headroom;
    this.spans = 0;
    return body;
  }

  /** `body` (taken) was sent: its buffer is written into again. */
  release(body: Uint8Array): void {
    const writer = this.lent.get(body);
    this.lent.delete(body);
    if (writer !== undefined && this.free.length < 2) this.free.push(writer);
  }

  /**
   * A string attribute of a span (field 9): its bytes as written before for the same key and value
   * when there are (most values repeat: method, tool, backend, worker, transport, version); a key
   * with more than `MAX_VALUES_PER_KEY` values (request ids, session ids) stops being kept.
   */
  private stringAttribute(key: string, value: string): void {
    const w = this.out;
    let values = this.written.get(key);
    if (values === undefined) {
      values = this.written.size < MAX_KEYS ? new Map() : null;
      this.written.set(key, values);
    }
    const bytes = values?.get(value);
    if (bytes !== undefined) {
      w.raw(bytes);
      return;
    }
    const start = w.pos;
    writeKeyValue(w, 9, key, value);
    if (values === null || values === undefined) return;
    if (values.size < MAX_VALUES_PER_KEY) values.set(value, w.buffer.slice(start, w.pos));
    else this.written.set(key, null);
  }
}

function writeEvent(w: ProtoWriter, event: JsonEvent): void {
  w.tag(11, LEN);
  const at = w.begin();
  w.tag(1, I64);
  writeNanosText(w, event.timeUnixNano);
  w.tag(2, LEN);
  w.string(event.name);
  writeJsonAttributes(w, 3, event.attributes ?? []);
  w.tag(4, VARINT);
  w.varint(event.droppedAttributesCount ?? 0);
  w.end(at);
}

function writeLink(w: ProtoWriter, link: JsonLink): void {
  w.tag(13, LEN);
  const at = w.begin();
  w.tag(1, LEN);
  w.hexBytes(link.traceId);
  w.tag(2, LEN);
  w.hexBytes(link.spanId);
  if (link.traceState) {
    w.tag(3, LEN);
    w.string(link.traceState);
  }
  writeJsonAttributes(w, 4, link.attributes ?? []);
  w.tag(5, VARINT);
  w.varint(link.droppedAttributesCount ?? 0);
  if (link.flags) {
    w.tag(6, I32);
    w.fixed32(link.flags);
  }
  w.end(at);
}
