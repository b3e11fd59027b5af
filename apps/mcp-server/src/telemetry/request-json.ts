/**
 * OTLP/HTTP JSON export requests (`http/json`), written span by span as strings
 * (`span-json.ts`) and joined when the request is taken: the resource's and scope's JSON around
 * the spans' is written once.
 */
import { attributesJson } from './otlp-json.ts';
import type { RequestEnvelope } from './request-envelope.ts';
import type { RequestWriter } from './span-batches.ts';
import { unpackedSpanJson } from './span-json.ts';
import type { UnpackedSpan } from './span-record.ts';

export class JsonRequestWriter implements RequestWriter<UnpackedSpan, string> {
  private readonly head: string;
  private readonly tail: string;
  private parts: string[] = [];

  constructor({ resource, scope }: RequestEnvelope) {
    const scopeJson = `{"name":${JSON.stringify(scope.name)},"version":${JSON.stringify(scope.version)}}`;
    const schema = resource.schemaUrl ? `,"schemaUrl":${JSON.stringify(resource.schemaUrl)}` : '';
    this.head = `{"resourceSpans":[{"resource":{"attributes":${attributesJson(resource.attributes)},"droppedAttributesCount":0}${schema},"scopeSpans":[{"scope":${scopeJson},"spans":[`;
    this.tail = ']}]}]}';
  }

  get spans(): number {
    return this.parts.length;
  }

  add(span: UnpackedSpan): void {
    this.parts.push(unpackedSpanJson(span));
  }

  take(): string {
    const body = `${this.head}${this.parts.join(',')}${this.tail}`;
    this.parts = [];
    return body;
  }
}
