/**
 * The gateway driven by the v2 TypeScript client (`@modelcontextprotocol/client`), which can
 * negotiate the 2026-07-28 era. The client's default (legacy) connect must work; with
 * `versionNegotiation: { mode: 'auto' }` it must land in the era the gateway offers — modern when
 * the gateway's `server/discover` offers 2026-07-28, else a fallback to the 2025 `initialize`
 * handshake — and work the same either way. Backends: the real server-everything (stdio, under
 * Bun) and the builtin module.
 */
import { Client, type ClientOptions, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN } from './support/gateway.ts';
import {
  discoverVersions,
  EVERYTHING,
  type SharedGateway,
  startShared,
  textOf,
  within,
} from './support/third-party.ts';

let gw: SharedGateway;
/** What `auto` must land on: the gateway's server/discover offers 2026-07-28. */
const autoEra = 'modern';

beforeAll(async () => {
  gw = await startShared(() => ({
    mcpServers: {
      everything: { command: process.execPath, args: [EVERYTHING, 'stdio'], tier: 'hot' },
      builtin: { module: BUILTIN, tier: 'hot' },
    },
  }));
  expect(await discoverVersions(gw.url)).toContain('2026-07-28');
}, 60_000);

afterAll(async () => {
  await gw?.stop();
}, 30_000);

const open: Client[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close().catch(() => {});
});

async function connectV2(options: ClientOptions = {}): Promise<Client> {
  const client = new Client({ name: 'v2-client', version: '2.4.0' }, options);
  open.push(client);
  await client.connect(new StreamableHTTPClientTransport(new URL(gw.url)));
  return client;
}

async function listAndCall(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name)).toEqual(
    expect.arrayContaining(['everything__echo', 'everything__get-sum', 'builtin__echo']),
  );
  expect(textOf(await client.callTool({ name: 'everything__echo', arguments: { message: 'v2' } }))).toBe(
    'Echo: v2',
  );
  expect(textOf(await client.callTool({ name: 'builtin__echo', arguments: { text: 'v2 thread' } }))).toBe(
    'v2 thread',
  );
}

describe('@modelcontextprotocol/client 2.4.0 through the gateway', () => {
  it('connects with its default negotiation (legacy), lists tools and calls them', {
    timeout: 20_000,
  }, async () => {
    const client = await connectV2();
    expect(client.getProtocolEra()).toBe('legacy');
    expect(client.getNegotiatedProtocolVersion()).toMatch(/^2025-/);
    expect(client.getServerVersion()?.name).toBe('switchyard');
    await listAndCall(client);
  });

  it('with versionNegotiation auto, lands in the era the gateway offers and works', {
    timeout: 20_000,
  }, async () => {
    const started = Date.now();
    const client = await connectV2({ versionNegotiation: { mode: 'auto', probe: { timeoutMs: 5_000 } } });
    expect(client.getProtocolEra()).toBe(autoEra);
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    expect(client.getServerVersion()?.name).toBe('switchyard');
    expect(Date.now() - started).toBeLessThan(5_000);
    await listAndCall(client);
  });

  it('with versionNegotiation legacy (explicit), a sampling request of everything reaches the client’s handler', {
    timeout: 20_000,
  }, async () => {
    const client = new Client(
      { name: 'v2-sampler', version: '2.4.0' },
      { capabilities: { sampling: {} }, versionNegotiation: { mode: 'legacy' } },
    );
    open.push(client);
    client.setRequestHandler('sampling/createMessage', async () => ({
      role: 'assistant' as const,
      model: 'v2-test-model',
      content: { type: 'text' as const, text: 'answered by the v2 handler' },
    }));
    await client.connect(new StreamableHTTPClientTransport(new URL(gw.url)));
    expect(client.getProtocolEra()).toBe('legacy');
    const result = await client.callTool({
      name: 'everything__trigger-sampling-request',
      arguments: { prompt: 'hello', maxTokens: 10 },
    });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(textOf(result)).toContain('answered by the v2 handler');
  });

  // In the 2026 era the backend's sampling request reaches the client as an input_required result
  // (multi-round-trip); the v2 client answers it with its handler and retries.
  it('with versionNegotiation auto, a sampling request of everything reaches the client’s handler', {
    timeout: 20_000,
  }, async () => {
    const client = new Client(
      { name: 'v2-sampler', version: '2.4.0' },
      { capabilities: { sampling: {} }, versionNegotiation: { mode: 'auto', probe: { timeoutMs: 5_000 } } },
    );
    open.push(client);
    client.setRequestHandler('sampling/createMessage', async () => ({
      role: 'assistant' as const,
      model: 'v2-test-model',
      content: { type: 'text' as const, text: 'answered by the v2 handler' },
    }));
    await client.connect(new StreamableHTTPClientTransport(new URL(gw.url)));
    expect(client.getProtocolEra()).toBe(autoEra);
    const result = await client.callTool({
      name: 'everything__trigger-sampling-request',
      arguments: { prompt: 'hello', maxTokens: 10 },
    });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(textOf(result)).toContain('answered by the v2 handler');
  });

  it('relays progress to a v2 client', { timeout: 20_000 }, async () => {
    const client = await connectV2({ versionNegotiation: { mode: 'auto', probe: { timeoutMs: 5_000 } } });
    const seen: number[] = [];
    const result = await client.callTool(
      { name: 'everything__trigger-long-running-operation', arguments: { duration: 0.6, steps: 3 } },
      { onprogress: (p) => seen.push(p.progress) },
    );
    expect(textOf(result)).toContain('Long running operation completed');
    expect(seen).toEqual([1, 2, 3]);
  });
  it('with versionNegotiation auto, cancels a long call: the call ends at once, the session goes on', {
    timeout: 20_000,
  }, async () => {
    const client = await connectV2({ versionNegotiation: { mode: 'auto', probe: { timeoutMs: 5_000 } } });
    const abort = new AbortController();
    let progressed: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      progressed = resolve;
    });
    const call = client.callTool(
      { name: 'everything__trigger-long-running-operation', arguments: { duration: 6, steps: 6 } },
      { signal: abort.signal, onprogress: () => progressed() },
    );
    call.catch(() => {});
    await within(running, 5_000, 'first progress of the long operation');
    const aborted = Date.now();
    abort.abort('changed my mind');
    await expect(call).rejects.toThrow();
    // At once: well before the 5 s the operation still had to run (a generous cap for busy machines).
    expect(Date.now() - aborted).toBeLessThan(4_000);
    expect(textOf(await client.callTool({ name: 'everything__echo', arguments: { message: 'after' } }))).toBe(
      'Echo: after',
    );
    const deadline = Date.now() + 3_000;
    const outcome = () =>
      gw.gateway.activity.calls().find((c) => c.name === 'everything__trigger-long-running-operation')
        ?.outcome;
    while (outcome() !== 'cancelled' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(outcome()).toBe('cancelled');
  });
});
