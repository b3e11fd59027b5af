import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { type ReadableSpan, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { nanos } from './otlp-json.ts';
import { OtlpSpanExporter } from './span-exporter.ts';

interface Received {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

const servers: { stop(force?: boolean): void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.stop(true);
});

/** A collector on 127.0.0.1 answering with `statuses` in turn (then 200), keeping what it got. */
function collector(statuses: number[] = []): { url: string; received: Received[] } {
  const received: Received[] = [];
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const status = statuses.shift() ?? 200;
      received.push({
        status,
        body: (await request.json()) as Record<string, unknown>,
        headers: request.headers,
      });
      return Response.json({}, { status });
    },
  });
  servers.push(server);
  return { url: `${server.url.origin}/v1/traces`, received };
}

/** Two ended spans (a server span and its client child with every kind of attribute value). */
function spans(): ReadableSpan[] {
  const ended: ReadableSpan[] = [];
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'sy "test"' }),
    // Ended spans kept as they end (the SDK's simple processor hands them on asynchronously).
    spanProcessors: [
      {
        onStart: () => {},
        onEnd: (span) => ended.push(span),
        forceFlush: async () => {},
        shutdown: async () => {},
      },
    ],
  });
  const tracer = provider.getTracer('scope', '1.2.3');
  const server = tracer.startSpan('tools/call echo', {
    kind: SpanKind.SERVER,
    startTime: [1_700_000_000, 5],
  });
  const client = tracer.startSpan(
    'tools/call echo',
    { kind: SpanKind.CLIENT, attributes: { s: 'a\nb"c', i: 42, d: 1.5, b: true, list: ['x', 'y'] } },
    trace.setSpan(ROOT_CONTEXT, server),
  );
  client.addEvent('retry', { n: 1 });
  client.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' });
  client.end();
  server.end([1_700_000_001, 123_456_789]);
  return ended;
}

describe('OtlpSpanExporter', () => {
  it('posts the OTLP JSON export request of a batch, with the configured headers', async () => {
    const { url, received } = collector();
    const exporter = new OtlpSpanExporter({ url, headers: { authorization: 'Bearer t' } });
    const batch = spans();
    const result = await new Promise((resolve) => exporter.export(batch, resolve));
    expect(result).toEqual({ code: ExportResultCode.SUCCESS });
    expect(received).toHaveLength(1);
    expect(received[0]?.headers.get('authorization')).toBe('Bearer t');
    expect(received[0]?.headers.get('content-type')).toBe('application/json');
    const [resourceSpans] = received[0]!.body.resourceSpans as {
      resource: { attributes: unknown[] };
      scopeSpans: { scope: unknown; spans: Record<string, unknown>[] }[];
    }[];
    expect(resourceSpans?.resource.attributes).toContainEqual({
      key: 'service.name',
      value: { stringValue: 'sy "test"' },
    });
    expect(resourceSpans?.scopeSpans[0]?.scope).toEqual({ name: 'scope', version: '1.2.3' });
    const [client, server] = resourceSpans?.scopeSpans[0]?.spans ?? [];
    const serverContext = batch[1]!.spanContext();
    expect(server).toMatchObject({
      traceId: serverContext.traceId,
      spanId: serverContext.spanId,
      name: 'tools/call echo',
      kind: 2,
      startTimeUnixNano: '1700000000000000005',
      endTimeUnixNano: '1700000001123456789',
      status: { code: 0 },
      flags: TraceFlags.SAMPLED | 0x100,
    });
    expect(server?.parentSpanId).toBeUndefined();
    expect(client).toMatchObject({
      traceId: serverContext.traceId,
      parentSpanId: serverContext.spanId,
      kind: 3,
      status: { code: 2, message: 'failed' },
      attributes: [
        { key: 's', value: { stringValue: 'a\nb"c' } },
        { key: 'i', value: { intValue: 42 } },
        { key: 'd', value: { doubleValue: 1.5 } },
        { key: 'b', value: { boolValue: true } },
        { key: 'list', value: { arrayValue: { values: [{ stringValue: 'x' }, { stringValue: 'y' }] } } },
      ],
      events: [
        { name: 'retry', attributes: [{ key: 'n', value: { intValue: 1 } }], droppedAttributesCount: 0 },
      ],
      links: [],
    });
    await exporter.shutdown();
  });

  it('retries a batch the collector answered 503, and gives up on a 400', async () => {
    const busy = collector([503]);
    const exporter = new OtlpSpanExporter({ url: busy.url, backoffMs: 1 });
    expect(await new Promise((resolve) => exporter.export(spans(), resolve))).toEqual({
      code: ExportResultCode.SUCCESS,
    });
    expect(busy.received.map((r) => r.status)).toEqual([503, 200]);

    const refusing = collector([400]);
    const other = new OtlpSpanExporter({ url: refusing.url, backoffMs: 1 });
    const result = (await new Promise((resolve) => other.export(spans(), resolve))) as { code: number };
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(refusing.received).toHaveLength(1);
  });

  it('writes nanoseconds as decimal strings', () => {
    expect(nanos([0, 0])).toBe('0');
    expect(nanos([0, 1_500])).toBe('1500');
    expect(nanos([1, 0])).toBe('1000000000');
    expect(nanos([1_765_000_000, 999_999_999])).toBe('1765000000999999999');
  });
});
