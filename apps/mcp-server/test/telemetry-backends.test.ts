/**
 * The W3C trace context reaches every kind of backend, not only stdio ones: a remote MCP server
 * on Streamable HTTP at 127.0.0.1 (the trace fixture with `--http`, a child process) and a tool
 * module on a thread worker (`fixtures/trace-module.ts`, reading `context.meta`) each report the
 * `traceparent` they were sent, whose parent span is the gateway's CLIENT span of the call — a
 * child of the SERVER span of the client's request, as exported to an OTLP/HTTP receiver the
 * test runs. Both eras of client.
 */
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway/gateway.ts';
import { connectClient, startInProcess } from './support/gateway.ts';
import { attr, type OtlpReceiver, SPAN_KIND, startOtlpReceiver } from './support/otlp-receiver.ts';
import { spawnUrlServer } from './support/url-server.ts';

const TRACE_FIXTURE = new URL('./fixtures/trace-server.ts', import.meta.url).pathname;
const TRACE_MODULE = new URL('./fixtures/trace-module.ts', import.meta.url).pathname;

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function gatewayWithBackends(receiver: OtlpReceiver) {
  const remote = await spawnUrlServer(TRACE_FIXTURE, ['--http'], (kill) => stops.push(kill));
  return startInProcess({
    mcpServers: { web: { url: remote.url }, mod: { module: TRACE_MODULE, tier: 'hot' } },
    switchyard: { telemetry: { enabled: true, endpoint: receiver.endpoint } },
  });
}

/** The traceparent the backend reported. */
function reported(result: unknown): { traceId: string; spanId: string } {
  const text = (result as { content: { text: string }[] }).content.map((c) => c.text).join('');
  const { traceparent } = JSON.parse(text) as { traceparent: string | null };
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(traceparent ?? '');
  if (!m) throw new Error(`the backend got no sampled traceparent: ${text}`);
  return { traceId: m[1]!, spanId: m[2]! };
}

/** The backend's parent is the CLIENT span of `tool` on `backend`, a child of its SERVER span. */
async function expectParentIsClientSpan(
  gateway: Gateway,
  receiver: OtlpReceiver,
  tool: string,
  backend: string,
  saw: { traceId: string; spanId: string },
) {
  const of = () => receiver.spans().filter((s) => s.traceId === saw.traceId);
  await expect
    .poll(
      async () => {
        await gateway.telemetry?.flush();
        return of().filter((s) => s.kind !== SPAN_KIND.internal).length;
      },
      { timeout: 15_000, interval: 100 },
    )
    .toBeGreaterThanOrEqual(2);
  const client = of().find((s) => s.kind === SPAN_KIND.client);
  const server = of().find((s) => s.kind === SPAN_KIND.server);
  expect(client?.spanId).toBe(saw.spanId);
  expect(client?.parentSpanId).toBe(server?.spanId);
  expect(server?.name).toBe(`tools/call ${tool}`);
  expect(attr(client?.attributes, 'switchyard.backend')).toBe(backend);
}

describe('traceparent injected into remote and module backends', () => {
  it('a 2025 client (SDK v1): the remote server and the module tool each see the gateway’s client span as parent', {
    timeout: 40_000,
  }, async () => {
    const receiver = startOtlpReceiver();
    const { url, gateway } = await gatewayWithBackends(receiver);
    const client = await connectClient(url);
    for (const [tool, backend] of [
      ['web__trace_meta', 'web'],
      ['mod__trace_meta', 'mod'],
    ] as const) {
      const saw = reported(await client.callTool({ name: tool, arguments: {} }));
      await expectParentIsClientSpan(gateway, receiver, tool, backend, saw);
    }
  });

  it('a 2026-07-28 client (SDK v2, pinned): the same for both backends', { timeout: 40_000 }, async () => {
    const receiver = startOtlpReceiver();
    const { url, gateway } = await gatewayWithBackends(receiver);
    const client = new ClientV2(
      { name: 'v2-traced', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(new TransportV2(new URL(url)));
    try {
      for (const [tool, backend] of [
        ['web__trace_meta', 'web'],
        ['mod__trace_meta', 'mod'],
      ] as const) {
        const saw = reported(await client.callTool({ name: tool, arguments: {} }));
        await expectParentIsClientSpan(gateway, receiver, tool, backend, saw);
      }
    } finally {
      await client.close();
    }
  });
});
