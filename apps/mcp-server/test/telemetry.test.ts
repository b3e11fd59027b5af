/**
 * OpenTelemetry through a real gateway: spans (OTLP/HTTP protobuf, or JSON when configured) and
 * metrics (JSON) exported to a receiver the test runs, a real stdio backend (`fixtures/trace-server.ts`) that reports the
 * `traceparent` it found in `_meta`, SDK clients of both eras. The span tree of a `tools/call` is
 * server span → client span (and the waits that lasted), and the backend's parent is the client span;
 * a caller's own trace (in `_meta` or the HTTP header) is continued; with telemetry off nothing is
 * exported and nothing is added to `_meta`.
 */

import { join } from 'node:path';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import {
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_SESSION_ID,
  METRIC_MCP_SERVER_OPERATION_DURATION,
} from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway/gateway.ts';
import { connectClient, runServe, startInProcess, tempDir } from './support/gateway.ts';
import {
  attr,
  type OtlpReceiver,
  type OtlpSpan,
  SPAN_KIND,
  startOtlpReceiver,
} from './support/otlp-receiver.ts';

const TRACE_FIXTURE = new URL('./fixtures/trace-server.ts', import.meta.url).pathname;
const TOOL = 'tr__trace_meta';
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

function config(telemetry: Record<string, unknown> | undefined): Record<string, unknown> {
  return {
    mcpServers: { tr: { command: process.execPath, args: [TRACE_FIXTURE], tier: 'hot' } },
    ...(telemetry && { switchyard: { telemetry } }),
  };
}

async function tracedGateway(receiver: OtlpReceiver, extra: Record<string, unknown> = {}) {
  return startInProcess(
    config({
      enabled: true,
      endpoint: receiver.endpoint,
      headers: { 'x-collector-key': 'k-123' },
      serviceName: 'switchyard-test',
      ...extra,
    }),
  );
}

/** What the fixture found in `_meta`. */
function seen(result: unknown): { traceparent: string | null; tracestate: string | null } {
  const content = (result as { content: { text: string }[] }).content;
  return JSON.parse(content.map((c) => c.text).join(''));
}

function parse(traceparent: string | null): { traceId: string; spanId: string } {
  const m = TRACEPARENT.exec(traceparent ?? '');
  if (!m) throw new Error(`not a traceparent: ${traceparent}`);
  return { traceId: m[1]!, spanId: m[2]! };
}

/** The spans of `traceId`, once the gateway has exported at least `count` of them. */
async function spansOf(gateway: Gateway, receiver: OtlpReceiver, traceId: string, count: number) {
  const of = () => receiver.spans().filter((s) => s.traceId === traceId);
  await expect
    .poll(
      async () => {
        await gateway.telemetry?.flush();
        return of().length;
      },
      { timeout: 15_000, interval: 100 },
    )
    .toBeGreaterThanOrEqual(count);
  return of();
}

function one(spans: OtlpSpan[], predicate: (s: OtlpSpan) => boolean, what: string): OtlpSpan {
  const found = spans.filter(predicate);
  if (found.length !== 1)
    throw new Error(`${what}: ${found.length} spans in ${JSON.stringify(spans.map((s) => s.name))}`);
  return found[0]!;
}

/** The span tree of one traced tools/call, checked; returns its spans. */
async function assertCallTree(gateway: Gateway, receiver: OtlpReceiver, traceparent: string | null) {
  const backendSaw = parse(traceparent);
  const spans = await spansOf(gateway, receiver, backendSaw.traceId, 2);
  const server = one(spans, (s) => s.kind === SPAN_KIND.server && s.name === `tools/call ${TOOL}`, 'server');
  const client = one(spans, (s) => s.kind === SPAN_KIND.client, 'client');
  // The backend's parent is the gateway's client span, itself a child of the server span.
  expect(backendSaw.spanId).toBe(client.spanId);
  expect(client.parentSpanId).toBe(server.spanId);
  expect(client.name).toBe(`tools/call ${TOOL}`);
  expect(attr(client.attributes, 'switchyard.backend.start')).toMatch(/^(cold|warm)$/);
  // The wait for the backend (its admission queue, a worker) is an attribute of the client span (ms)…
  expect(Number(attr(client.attributes, 'switchyard.backend.acquire.wait_ms'))).toBeGreaterThanOrEqual(0);
  // …no admission attribute or span of its own any more (the acquire covers it)…
  expect(attr(client.attributes, 'switchyard.admission.wait_ms')).toBeUndefined();
  expect(spans.some((s) => s.name === 'switchyard.admission')).toBe(false);
  // …and one of 10 ms or more a span of its own, a child of the server span.
  for (const wait of spans.filter(
    (s) => s.name.startsWith('switchyard.') && s.name !== 'switchyard.backend.start',
  ))
    expect(wait.parentSpanId).toBe(server.spanId);
  for (const span of [server, client]) {
    expect(attr(span.attributes, ATTR_MCP_METHOD_NAME)).toBe('tools/call');
    expect(attr(span.attributes, ATTR_GEN_AI_TOOL_NAME)).toBe(TOOL);
    expect(attr(span.attributes, ATTR_JSONRPC_REQUEST_ID)).toBeDefined();
  }
  expect(attr(client.attributes, 'switchyard.backend')).toBe('tr');
  return { spans, server, client };
}

describe('telemetry on: traces', () => {
  it('a 2025 client (SDK v1): server span → client span → the backend, with the MCP attributes', {
    timeout: 30_000,
  }, async () => {
    const receiver = startOtlpReceiver();
    const { url, gateway } = await tracedGateway(receiver);
    const client = await connectClient(url);
    const result = await client.callTool({ name: TOOL, arguments: {} });
    const { server } = await assertCallTree(gateway, receiver, seen(result).traceparent);
    const sessionId = (client.transport as { sessionId?: string }).sessionId;
    expect(sessionId).toBeDefined();
    expect(attr(server.attributes, ATTR_MCP_SESSION_ID)).toBe(sessionId);
    expect(attr(server.attributes, ATTR_MCP_PROTOCOL_VERSION)).toMatch(/^2025-/);
    expect(receiver.services()).toContain('switchyard-test');
    // The configured headers reach the collector.
    expect(receiver.headers().every((h) => h.get('x-collector-key') === 'k-123')).toBe(true);
    // OTLP/HTTP protobuf, the OpenTelemetry default.
    expect(new Set(receiver.traceTypes())).toEqual(new Set(['application/x-protobuf']));
  });

  it('protocol http/json: the same tree, sent as OTLP JSON', { timeout: 30_000 }, async () => {
    const receiver = startOtlpReceiver();
    const { url, gateway } = await tracedGateway(receiver, { protocol: 'http/json' });
    const client = await connectClient(url);
    const result = await client.callTool({ name: TOOL, arguments: {} });
    await assertCallTree(gateway, receiver, seen(result).traceparent);
    expect(new Set(receiver.traceTypes())).toEqual(new Set(['application/json']));
  });

  it('a 2026-07-28 client (SDK v2, pinned): the same tree, mcp.protocol.version 2026-07-28', {
    timeout: 30_000,
  }, async () => {
    const receiver = startOtlpReceiver();
    const { url, gateway } = await tracedGateway(receiver);
    const client = new ClientV2(
      { name: 'v2-traced', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(new TransportV2(new URL(url)));
    try {
      const result = await client.callTool({ name: TOOL, arguments: {} });
      const { server } = await assertCallTree(gateway, receiver, seen(result).traceparent);
      expect(attr(server.attributes, ATTR_MCP_PROTOCOL_VERSION)).toBe('2026-07-28');
    } finally {
      await client.close();
    }
  });

  it('a call carrying its own traceparent in _meta keeps the caller’s trace id (and tracestate)', {
    timeout: 30_000,
  }, async () => {
    const receiver = startOtlpReceiver();
    const { url, gateway } = await tracedGateway(receiver);
    const client = await connectClient(url);
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const result = await client.callTool({
      name: TOOL,
      arguments: {},
      _meta: { traceparent: `00-${callerTrace}-${callerSpan}-01`, tracestate: 'vendor=abc' },
    });
    const saw = seen(result);
    expect(parse(saw.traceparent).traceId).toBe(callerTrace);
    expect(saw.tracestate).toBe('vendor=abc');
    const { server } = await assertCallTree(gateway, receiver, saw.traceparent);
    expect(server.parentSpanId).toBe(callerSpan);
  });

  it('the HTTP traceparent header is continued when _meta carries none', { timeout: 30_000 }, async () => {
    const receiver = startOtlpReceiver();
    const { url, gateway } = await tracedGateway(receiver);
    const callerTrace = '0af7651916cd43dd8448eb211c80319c';
    const callerSpan = 'b7ad6b7169203331';
    const client = await connectClient(url, {
      headers: { traceparent: `00-${callerTrace}-${callerSpan}-01` },
    });
    const saw = seen(await client.callTool({ name: TOOL, arguments: {} }));
    expect(parse(saw.traceparent).traceId).toBe(callerTrace);
    const { server } = await assertCallTree(gateway, receiver, saw.traceparent);
    expect(server.parentSpanId).toBe(callerSpan);
  });

  it('a cold start is a span: acquire (cold) → backend.start, spawn to ready', {
    timeout: 30_000,
  }, async () => {
    const receiver = startOtlpReceiver();
    const { url, gateway } = await startInProcess({
      mcpServers: { tr: { command: process.execPath, args: [TRACE_FIXTURE], tier: 'cold' } },
      switchyard: { telemetry: { enabled: true, endpoint: receiver.endpoint } },
    });
    const client = await connectClient(url);
    const saw = seen(await client.callTool({ name: TOOL, arguments: {} }));
    const { spans, server, client: call } = await assertCallTree(gateway, receiver, saw.traceparent);
    expect(attr(call.attributes, 'switchyard.backend.start')).toBe('cold');
    const acquire = one(spans, (s) => s.name === 'switchyard.backend.acquire', 'acquire');
    expect(acquire.parentSpanId).toBe(server.spanId);
    const start = one(spans, (s) => s.name === 'switchyard.backend.start', 'start');
    expect(start.parentSpanId).toBe(acquire.spanId);
    expect(Number(attr(start.attributes, 'switchyard.backend.start_ms'))).toBeGreaterThan(0);
  });

  it('a failed tool call marks its spans with error.type', { timeout: 30_000 }, async () => {
    const receiver = startOtlpReceiver();
    const { url, gateway } = await tracedGateway(receiver);
    const client = await connectClient(url);
    await client.callTool({ name: 'tr__fail', arguments: {} });
    await expect
      .poll(
        async () => {
          await gateway.telemetry?.flush();
          return receiver
            .spans()
            .find((s) => s.kind === SPAN_KIND.server && s.name === 'tools/call tr__fail');
        },
        { timeout: 15_000, interval: 100 },
      )
      .toBeDefined();
    const server = receiver
      .spans()
      .find((s) => s.name === 'tools/call tr__fail' && s.kind === SPAN_KIND.server);
    expect(attr(server?.attributes, ATTR_ERROR_TYPE)).toBe('tool_error');
    expect(server?.status?.code).toBe(2); // ERROR
  });

  it('sampling 0: no span is exported, yet the backend gets a traceparent (not sampled) to continue', {
    timeout: 30_000,
  }, async () => {
    const receiver = startOtlpReceiver();
    const { url, gateway } = await tracedGateway(receiver, { sampling: 0 });
    const client = await connectClient(url);
    const saw = seen(await client.callTool({ name: TOOL, arguments: {} }));
    expect(saw.traceparent).toMatch(/-00$/);
    await gateway.telemetry?.flush();
    expect(receiver.spans()).toEqual([]);
  });
});

describe('telemetry on: logs', () => {
  it('the access line of a traced request (serve CLI) carries its trace_id and span_id', {
    timeout: 40_000,
  }, async () => {
    const receiver = startOtlpReceiver();
    const dir = await tempDir();
    const file = join(dir, 'switchyard.json');
    await Bun.write(
      file,
      JSON.stringify({
        ...config({ enabled: true, endpoint: receiver.endpoint }),
        switchyard: {
          telemetry: { enabled: true, endpoint: receiver.endpoint },
          journal: { path: join(dir, 'journal.db') },
        },
      }),
    );
    const serve = await runServe(['--port', '0', '--config', file], {
      env: { SWITCHYARD_LOG_LEVEL: 'info' },
    });
    const client = await connectClient(serve.url);
    const { traceId } = parse(seen(await client.callTool({ name: TOOL, arguments: {} })).traceparent);
    const line = async () =>
      serve
        .stderr()
        .split('\n')
        .filter((l) => l.includes('"msg":"request"') && l.includes(`"trace_id":"${traceId}"`));
    await expect.poll(line, { timeout: 15_000 }).toHaveLength(1);
    const [access] = await line();
    expect(JSON.parse(access!)).toMatchObject({
      mcpMethod: 'tools/call',
      span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
  });
});

describe('telemetry on: metrics', () => {
  it('mcp.server.operation.duration over OTLP and on /metrics, by method, tool (bounded), backend, outcome', {
    timeout: 30_000,
  }, async () => {
    const receiver = startOtlpReceiver();
    const { url, origin, gateway } = await tracedGateway(receiver);
    const client = await connectClient(url);
    await client.callTool({ name: TOOL, arguments: {} });
    await expect(client.callTool({ name: 'made_up_tool', arguments: {} })).rejects.toThrow();
    await gateway.telemetry?.flush();
    const metric = receiver.metrics().find((m) => m.name === METRIC_MCP_SERVER_OPERATION_DURATION);
    expect(metric?.unit).toBe('s');
    const points = metric?.histogram?.dataPoints ?? [];
    const called = points.find((p) => attr(p.attributes, ATTR_GEN_AI_TOOL_NAME) === TOOL);
    expect(attr(called?.attributes, ATTR_MCP_METHOD_NAME)).toBe('tools/call');
    expect(attr(called?.attributes, 'switchyard.backend')).toBe('tr');
    expect(attr(called?.attributes, 'switchyard.outcome')).toBe('ok');
    expect(attr(called?.attributes, ATTR_ERROR_TYPE)).toBeUndefined();
    // A name outside the catalogue is not a label value of its own.
    const tools = points.map((p) => attr(p.attributes, ATTR_GEN_AI_TOOL_NAME));
    expect(tools).not.toContain('made_up_tool');
    expect(tools).toContain('other');

    const text = await (await fetch(`${origin}/metrics`)).text();
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('mcp_server_operation_duration_seconds_count{') &&
          l.includes(`gen_ai_tool_name="${TOOL}"`),
      );
    expect(line).toContain('mcp_method_name="tools/call"');
    expect(line).toContain('switchyard_backend="tr"');
    expect(line).toContain('switchyard_outcome="ok"');
    expect(text).not.toContain('made_up_tool');
    // The span export's losses and its thread's restarts (none here).
    expect(text).toMatch(/^switchyard_telemetry_spans_dropped_total\{where="behind"\} 0$/m);
    expect(text).toMatch(/^switchyard_telemetry_spans_dropped_total\{where="queue"\} 0$/m);
    expect(text).toMatch(/^switchyard_telemetry_span_thread_restarts_total 0$/m);
  });
});

describe('telemetry off', () => {
  it('exports nothing and adds no traceparent to _meta, even with an endpoint configured', {
    timeout: 30_000,
  }, async () => {
    const receiver = startOtlpReceiver();
    const { url, origin, gateway } = await startInProcess(
      config({ enabled: false, endpoint: receiver.endpoint }),
    );
    expect(gateway.telemetry).toBeUndefined();
    expect(await (await fetch(`${origin}/metrics`)).text()).not.toContain('switchyard_telemetry_');
    const client = await connectClient(url);
    const saw = seen(await client.callTool({ name: TOOL, arguments: {} }));
    expect(saw).toEqual({ traceparent: null, tracestate: null });
    // A caller's own traceparent is passed on as it is (the gateway is not in the trace).
    const own = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const passed = seen(await client.callTool({ name: TOOL, arguments: {}, _meta: { traceparent: own } }));
    expect(passed.traceparent).toBe(own);
    await gateway.stop();
    expect(receiver.spans()).toEqual([]);
    expect(receiver.metrics()).toEqual([]);
  });
});
