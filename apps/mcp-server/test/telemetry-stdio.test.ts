/**
 * OpenTelemetry at the stdio front door: `switchyard stdio` run as a child process, as a desktop
 * client launches it, by SDK clients of both eras; spans exported over OTLP/HTTP to a receiver the
 * test runs (the gateway's last export happens at its stop, when the client closes stdin). A
 * tools/call is a SERVER span (transport `pipe`) → the CLIENT span to the stdio fixture, which
 * reports the traceparent it found in `_meta`; a caller's own traceparent in `_meta` is honoured;
 * a client notification is a span of its own.
 */
import { join } from 'node:path';
import { Client as ClientV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioTransportV2 } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ATTR_NETWORK_TRANSPORT } from '@opentelemetry/semantic-conventions';
import {
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_SESSION_ID,
} from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';
import { writeConfig } from './helpers.ts';
import { tempDir } from './support/gateway.ts';
import {
  attr,
  type OtlpReceiver,
  type OtlpSpan,
  SPAN_KIND,
  startOtlpReceiver,
} from './support/otlp-receiver.ts';

const CLI = new URL('../src/cli.ts', import.meta.url).pathname;
const TRACE_FIXTURE = new URL('./fixtures/trace-server.ts', import.meta.url).pathname;
const TOOL = 'tr__trace_meta';

async function stdioArgs(receiver: OtlpReceiver) {
  const dir = await tempDir();
  const file = await writeConfig(dir, 'switchyard.json', {
    mcpServers: { tr: { command: process.execPath, args: [TRACE_FIXTURE], tier: 'hot' } },
    switchyard: {
      telemetry: { enabled: true, endpoint: receiver.endpoint },
      journal: { path: join(dir, 'journal.db') },
    },
  });
  return {
    command: process.execPath,
    args: [CLI, 'stdio', '--config', file],
    cwd: dir,
    stderr: 'pipe' as const,
  };
}

function seen(result: unknown): { traceparent: string; tracestate: string | null } {
  return JSON.parse((result as { content: { text: string }[] }).content.map((c) => c.text).join(''));
}

/** The spans of `traceId` once at least `count` arrived (the gateway exports them at its stop). */
async function spansOf(receiver: OtlpReceiver, traceId: string, count: number): Promise<OtlpSpan[]> {
  const of = () => receiver.spans().filter((s) => s.traceId === traceId);
  await expect.poll(() => of().length, { timeout: 20_000, interval: 100 }).toBeGreaterThanOrEqual(count);
  return of();
}

function callTree(spans: OtlpSpan[], backendSpanId: string) {
  const servers = spans.filter((s) => s.kind === SPAN_KIND.server && s.name === `tools/call ${TOOL}`);
  const clients = spans.filter((s) => s.kind === SPAN_KIND.client);
  expect(servers).toHaveLength(1);
  expect(clients).toHaveLength(1);
  const [server, client] = [servers[0]!, clients[0]!];
  // The backend's parent is the gateway's client span, a child of the server span.
  expect(backendSpanId).toBe(client.spanId);
  expect(client.parentSpanId).toBe(server.spanId);
  expect(attr(server.attributes, ATTR_NETWORK_TRANSPORT)).toBe('pipe');
  expect(attr(server.attributes, 'network.protocol.name')).toBeUndefined();
  for (const span of [server, client]) {
    expect(attr(span.attributes, ATTR_MCP_METHOD_NAME)).toBe('tools/call');
    expect(attr(span.attributes, ATTR_GEN_AI_TOOL_NAME)).toBe(TOOL);
    expect(attr(span.attributes, ATTR_JSONRPC_REQUEST_ID)).toBeDefined();
  }
  return { server, client };
}

describe('telemetry at the stdio front door', () => {
  it('a 2025 client: server span → client span → the backend; the caller’s _meta traceparent honoured; notifications traced', {
    timeout: 60_000,
  }, async () => {
    const receiver = startOtlpReceiver();
    const client = new Client({ name: 'stdio-traced', version: '1.0.0' });
    await client.connect(new StdioClientTransport(await stdioArgs(receiver)));
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    let saw: ReturnType<typeof seen>;
    let own: ReturnType<typeof seen>;
    try {
      own = seen(await client.callTool({ name: TOOL, arguments: {} }));
      saw = seen(
        await client.callTool({
          name: TOOL,
          arguments: {},
          _meta: { traceparent: `00-${callerTrace}-${callerSpan}-01`, tracestate: 'vendor=abc' },
        }),
      );
    } finally {
      // Closing stdin stops the gateway, which exports what it holds.
      await client.close();
    }
    // The caller's trace is continued, its tracestate passed on.
    expect(saw.traceparent.split('-')[1]).toBe(callerTrace);
    expect(saw.tracestate).toBe('vendor=abc');
    const continued = callTree(await spansOf(receiver, callerTrace, 2), saw.traceparent.split('-')[2]!);
    expect(continued.server.parentSpanId).toBe(callerSpan);
    // A call without one starts a trace of its own at the gateway, in the stdio session.
    const [, ownTrace, ownSpan] = own.traceparent.split('-');
    const { server } = callTree(await spansOf(receiver, ownTrace!, 2), ownSpan!);
    expect(server.parentSpanId ?? '').toBe('');
    expect(attr(server.attributes, ATTR_MCP_SESSION_ID)).toMatch(/^[0-9a-f]{32}$/);
    expect(attr(server.attributes, ATTR_MCP_PROTOCOL_VERSION)).toMatch(/^2025-/);
    // The client's notifications/initialized: a server span, no request id.
    const initialized = receiver
      .spans()
      .filter((s) => s.kind === SPAN_KIND.server && s.name === 'notifications/initialized');
    expect(initialized).toHaveLength(1);
    expect(attr(initialized[0]!.attributes, ATTR_JSONRPC_REQUEST_ID)).toBeUndefined();
  });

  it('a 2026-07-28 client (SDK v2, pinned): the same tree, mcp.protocol.version from _meta', {
    timeout: 60_000,
  }, async () => {
    const receiver = startOtlpReceiver();
    const client = new ClientV2(
      { name: 'stdio-traced-v2', version: '2.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(new StdioTransportV2(await stdioArgs(receiver)));
    let saw: ReturnType<typeof seen>;
    try {
      saw = seen(await client.callTool({ name: TOOL, arguments: {} }));
    } finally {
      await client.close();
    }
    const [, traceId, spanId] = saw.traceparent.split('-');
    const { server } = callTree(await spansOf(receiver, traceId!, 2), spanId!);
    expect(attr(server.attributes, ATTR_MCP_PROTOCOL_VERSION)).toBe('2026-07-28');
  });
});
