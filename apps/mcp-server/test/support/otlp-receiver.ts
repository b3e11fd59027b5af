/**
 * Test support: an OTLP/HTTP receiver on 127.0.0.1 (an ephemeral port) taking what the exporters
 * send to `/v1/traces` (protobuf, read by `otlp-protobuf.ts`, or JSON) and `/v1/metrics` (JSON),
 * and keeping it for the test to read. Stopped
 * after the file's tests (after the gateways stopped after each test, whose last export it takes:
 * stopped first, it would leave them retrying).
 */
import { afterAll } from 'vitest';
import { decodeTraceRequest } from './otlp-protobuf.ts';

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: OtlpAttribute[];
  status?: { code?: number; message?: string };
}

export interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
}

export interface OtlpMetric {
  name: string;
  unit?: string;
  histogram?: { dataPoints: { attributes?: OtlpAttribute[]; count: string | number }[] };
}

export const SPAN_KIND = { internal: 1, server: 2, client: 3 } as const;

export interface OtlpReceiver {
  /** The base URL (`http://127.0.0.1:<port>`), as `switchyard.telemetry.endpoint`. */
  endpoint: string;
  spans(): OtlpSpan[];
  metrics(): OtlpMetric[];
  /** The `service.name` of each resource seen. */
  services(): string[];
  /** The headers of each export request. */
  headers(): Headers[];
  /** The `content-type` of each span export request. */
  traceTypes(): string[];
  stop(): void;
}

const receivers: OtlpReceiver[] = [];
afterAll(() => {
  for (const r of receivers.splice(0)) r.stop();
});

/** The attribute `key` of `span` (or data point) as a plain value. */
export function attr(attributes: OtlpAttribute[] | undefined, key: string): unknown {
  const found = attributes?.find((a) => a.key === key)?.value;
  if (!found) return undefined;
  return found.stringValue ?? found.intValue ?? found.doubleValue ?? found.boolValue;
}

export function startOtlpReceiver(): OtlpReceiver {
  const spans: OtlpSpan[] = [];
  const metrics: OtlpMetric[] = [];
  const services: string[] = [];
  const headers: Headers[] = [];
  const traceTypes: string[] = [];
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const path = new URL(request.url).pathname;
      if (request.method !== 'POST') return new Response(null, { status: 405 });
      const type = request.headers.get('content-type') ?? '';
      const protobuf = type === 'application/x-protobuf' && path === '/v1/traces';
      if (!protobuf && !type.includes('json'))
        return new Response('JSON or (for traces) protobuf only', { status: 415 });
      headers.push(request.headers);
      const body = protobuf
        ? (decodeTraceRequest(new Uint8Array(await request.arrayBuffer())) as unknown as Record<
            string,
            unknown
          >)
        : ((await request.json()) as Record<string, unknown>);
      if (path === '/v1/traces') {
        traceTypes.push(type);
        for (const rs of (body.resourceSpans ?? []) as {
          resource?: { attributes?: OtlpAttribute[] };
          scopeSpans?: { spans?: OtlpSpan[] }[];
        }[]) {
          services.push(String(attr(rs.resource?.attributes, 'service.name')));
          for (const ss of rs.scopeSpans ?? []) spans.push(...(ss.spans ?? []));
        }
      } else if (path === '/v1/metrics') {
        for (const rm of (body.resourceMetrics ?? []) as { scopeMetrics?: { metrics?: OtlpMetric[] }[] }[])
          for (const sm of rm.scopeMetrics ?? []) metrics.push(...(sm.metrics ?? []));
      } else return new Response(null, { status: 404 });
      return Response.json({});
    },
  });
  const receiver: OtlpReceiver = {
    endpoint: server.url.origin,
    spans: () => spans,
    metrics: () => metrics,
    services: () => services,
    headers: () => headers,
    traceTypes: () => traceTypes,
    stop: () => server.stop(true),
  };
  receivers.push(receiver);
  return receiver;
}
