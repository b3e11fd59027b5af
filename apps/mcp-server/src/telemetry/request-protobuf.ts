/**
 * OTLP/HTTP protobuf export requests (`http/protobuf`, the OTel spec's default): each span read
 * back on the span thread (`span-pack.ts`) written straight into one reused, growable buffer
 * (`proto-writer.ts`) as a `ScopeSpans.spans` entry; the request taken is the resource's and
 * scope's bytes (written once) around them, copied out in one go. No object per span, no JSON.
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
import { I32, I64, LEN, ProtoWriter, VARINT } from './proto-writer.ts';
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

function varintBytes(value: number): Uint8Array {
  const w = new ProtoWriter(8);
  w.varint(value);
  return w.bytes();
}

export class ProtobufRequestWriter implements RequestWriter<UnpackedSpan, Uint8Array> {
  /** The spans of the request being written, each a `ScopeSpans.spans` field. */
  private readonly out = new ProtoWriter();
  /** The `Resource` and `InstrumentationScope` fields, with their tags. */
  private readonly resource: Uint8Array;
  private readonly scope: Uint8Array;
  /** `ResourceSpans.schema_url`, with its tag (or nothing). */
  private readonly resourceTail: Uint8Array;
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
      if (typeof value !== 'object') writeKeyValue(w, 9, keys[i]!, value);
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
    const scopeSpans = this.scope.length + spans.pos;
    const scopeSpansLength = varintBytes(scopeSpans);
    const resourceSpans =
      this.resource.length + 1 + scopeSpansLength.length + scopeSpans + this.resourceTail.length;
    const w = new ProtoWriter(resourceSpans + 16);
    w.tag(1, LEN);
    w.varint(resourceSpans);
    w.raw(this.resource);
    w.tag(2, LEN);
    w.raw(scopeSpansLength);
    w.raw(this.scope);
    w.raw(spans.buffer.subarray(0, spans.pos));
    w.raw(this.resourceTail);
    spans.reset();
    this.spans = 0;
    return w.buffer.subarray(0, w.pos);
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
