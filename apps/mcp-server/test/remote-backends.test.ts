/**
 * Remote MCP servers as backends, end to end: real remote servers as child processes on 127.0.0.1
 * (the conformance fixture on Streamable HTTP, the SSE fixture on the legacy HTTP+SSE transport),
 * a real gateway in front of them and a stdio backend, and SDK v1 clients through the gateway. A
 * shared remote is a pool of the tier manager: a worker is one connection (one MCP session).
 */

import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../tooling/testing/ports.ts';
import { parseConfigValue } from '../src/config/load.ts';
import type { Gateway } from '../src/gateway/gateway.ts';
import { connectClient, fixtureEntry, startInProcess } from './support/gateway.ts';
import { spawnUrlServer, type UrlServer } from './support/url-server.ts';

const FIXTURES = new URL('../../../tooling/fixtures/mcp/', import.meta.url).pathname;
const CONFORMANCE = `${FIXTURES}conformance-server.ts`;
const SSE = `${FIXTURES}sse-server.ts`;
/** The 2026-only v2-SDK fixture; `--http` serves it over Streamable HTTP (`legacy: 'reject'`). */
const MODERN = `${FIXTURES}modern-server.ts`;

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** A fixture server in a child process; its URL is the first stdout line. */
function spawnRemote(script: string, args: string[]): Promise<UrlServer> {
  return spawnUrlServer(script, args, (kill) => stops.push(kill));
}

/**
 * A pass-through HTTP proxy in front of `target` that records each request's headers (the
 * conformance fixture does not say what headers it received).
 */
function recordingProxy(target: string): { url: string; seen: { method: string; headers: Headers }[] } {
  const seen: { method: string; headers: Headers }[] = [];
  const upstream = new URL(target);
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    fetch(request) {
      seen.push({ method: request.method, headers: request.headers });
      const headers = new Headers(request.headers);
      headers.delete('host');
      const url = new URL(request.url);
      return fetch(new URL(url.pathname + url.search, upstream.origin), {
        method: request.method,
        headers,
        body: request.body,
        signal: request.signal,
      });
    },
    error: () => new Response('upstream gone', { status: 502 }),
  });
  stops.push(async () => {
    server.stop(true);
  });
  return { url: new URL(upstream.pathname, server.url).href, seen };
}

/**
 * A remote MCP server (Streamable HTTP, JSON answers) whose one tool fails every call with a
 * JSON-RPC error, on 127.0.0.1.
 */
function failingRemote(): string {
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      if (request.method !== 'POST') return new Response(null, { status: 405 });
      const message = (await request.json()) as { id?: number | string; method: string };
      if (message.id === undefined) return new Response(null, { status: 202 });
      const answer = (body: Record<string, unknown>) =>
        Response.json({ jsonrpc: '2.0', id: message.id, ...body }, { headers: { 'mcp-session-id': 'one' } });
      switch (message.method) {
        case 'initialize':
          return answer({
            result: {
              protocolVersion: '2025-11-25',
              capabilities: { tools: {} },
              serverInfo: { name: 'failing', version: '1' },
            },
          });
        case 'tools/list':
          return answer({ result: { tools: [{ name: 'fail', inputSchema: { type: 'object' } }] } });
        default:
          return answer({ error: { code: -32000, message: 'failing as asked' } });
      }
    },
  });
  stops.push(async () => {
    server.stop(true);
  });
  return new URL('/mcp', server.url).href;
}

function textOf(result: unknown): string {
  return (result as { content: { text: string }[] }).content.map((c) => c.text).join('');
}

type Unavailable = { backend: string; reason: string }[];

/** A remote backend's connections as the tier manager counts its workers: live, ready, leased, made. */
function connections(gateway: Gateway, name: string) {
  const s = gateway.manager.stats().backends[name];
  if (s === undefined) return undefined;
  return {
    state: s.state,
    live: s.workers.total,
    ready: s.workers.ready,
    leased: s.workers.leased,
    /** Connections made (handshake done) since start. */
    connects: s.starts.total - s.startFailures,
  };
}

describe('remote backends', () => {
  it('serves a Streamable HTTP remote and a legacy SSE remote beside a stdio backend, with their headers', async () => {
    const conformance = await spawnRemote(CONFORMANCE, ['--http', '0']);
    const proxy = recordingProxy(conformance.url);
    const sse = await spawnRemote(SSE, []);
    const { url, gateway } = await startInProcess({
      mcpServers: {
        remote: { url: proxy.url, headers: { 'x-test': 'yes' } },
        legacy: { url: sse.url, type: 'sse', headers: { 'x-test': 'legacy' } },
        fx: fixtureEntry('fx'),
      },
    });
    expect([...gateway.manager.backends].sort()).toEqual(['fx', 'legacy', 'remote']);
    const client = await connectClient(url);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'remote__test_simple_text',
        'remote__test_tool_with_progress',
        'legacy__echo',
        'legacy__headers',
        'fx__echo',
      ]),
    );
    expect(textOf(await client.callTool({ name: 'remote__test_simple_text', arguments: {} }))).toBe(
      'This is a simple text response for testing.',
    );
    expect(textOf(await client.callTool({ name: 'legacy__echo', arguments: { text: 'over sse' } }))).toBe(
      'over sse',
    );
    expect(textOf(await client.callTool({ name: 'fx__echo', arguments: { text: 'stdio' } }))).toBe('stdio');

    // The configured headers reached the remotes: every request of the Streamable HTTP one …
    expect(proxy.seen.length).toBeGreaterThan(2);
    expect(proxy.seen.map((r) => r.headers.get('x-test'))).toEqual(proxy.seen.map(() => 'yes'));
    expect(new Set(proxy.seen.map((r) => r.headers.get('mcp-session-id')).filter(Boolean)).size).toBe(1);
    // The protocol version the handshake agreed on is announced on every request after it.
    expect(proxy.seen.at(-1)?.headers.get('mcp-protocol-version')).toBe('2025-11-25');
    // … and the SSE one's event stream and POSTs.
    const seenBySse = JSON.parse(
      textOf(await client.callTool({ name: 'legacy__headers', arguments: {} })),
    ) as {
      stream: Record<string, string>;
      call: Record<string, string>;
    };
    expect(seenBySse.stream['x-test']).toBe('legacy');
    expect(seenBySse.call['x-test']).toBe('legacy');

    // Progress from the remote comes back on the call's stream.
    const progress: number[] = [];
    const result = await client.callTool(
      { name: 'remote__test_tool_with_progress', arguments: {} },
      CallToolResultSchema,
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(result.isError).toBeFalsy();
    expect(progress).toEqual([0, 50, 100]);
    expect(connections(gateway, 'remote')).toMatchObject({ ready: 1, connects: 1 });
    expect(connections(gateway, 'legacy')).toMatchObject({ ready: 1, connects: 1 });
    // Stopping the gateway ends the remote session (DELETE, with the headers).
    await gateway.stop();
    const last = proxy.seen.at(-1);
    expect(last?.method).toBe('DELETE');
    expect(last?.headers.get('x-test')).toBe('yes');
    expect(gateway.manager.state).toBe('stopped');
  });

  it('two sessions at once share one connection to the remote, each with its own replies and progress', async () => {
    const conformance = await spawnRemote(CONFORMANCE, ['--http', '0']);
    const { url, gateway } = await startInProcess({
      mcpServers: { remote: { url: conformance.url }, fx: fixtureEntry('fx') },
    });
    const [a, b] = await Promise.all([connectClient(url, { name: 'a' }), connectClient(url, { name: 'b' })]);
    const withProgress = async (client: typeof a) => {
      const progress: number[] = [];
      const result = await client.callTool(
        { name: 'remote__test_tool_with_progress', arguments: {} },
        CallToolResultSchema,
        { onprogress: (p) => progress.push(p.progress) },
      );
      return { progress, isError: result.isError };
    };
    const simple = (client: typeof a) =>
      client.callTool({ name: 'remote__test_simple_text', arguments: {} }).then(textOf);
    const [pa, pb, ...texts] = await Promise.all([
      withProgress(a),
      withProgress(b),
      ...Array.from({ length: 10 }, (_, i) => simple(i % 2 ? a : b)),
    ]);
    expect(pa).toEqual({ progress: [0, 50, 100], isError: undefined });
    expect(pb).toEqual({ progress: [0, 50, 100], isError: undefined });
    expect(new Set(texts)).toEqual(new Set(['This is a simple text response for testing.']));
    expect(connections(gateway, 'remote')).toMatchObject({ ready: 1, connects: 1, leased: 0 });
  });

  it('a gateway of remotes only: served, listed and called, and /readyz names the remote', async () => {
    const conformance = await spawnRemote(CONFORMANCE, ['--http', '0']);
    const { url, origin } = await startInProcess({ mcpServers: { remote: { url: conformance.url } } });
    const client = await connectClient(url);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('remote__test_simple_text');
    expect(textOf(await client.callTool({ name: 'remote__test_simple_text', arguments: {} }))).toBe(
      'This is a simple text response for testing.',
    );
    const ready = await fetch(`${origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      ready: true,
      // Listed like any backend: its tier (warm by default), its state, its ready workers (connections).
      backends: [{ name: 'remote', tier: 'warm', state: 'ok', ready: 1 }],
    });
  });

  it('a reload adds a remote (a new pool) and removes it (its remote session dropped)', async () => {
    const conformance = await spawnRemote(CONFORMANCE, ['--http', '0']);
    const proxy = recordingProxy(conformance.url);
    const { url, gateway } = await startInProcess({ mcpServers: { fx: fixtureEntry('fx') } });
    const configOf = (servers: Record<string, unknown>) =>
      parseConfigValue({ mcpServers: servers } as never, { source: 'test', baseDir: '/tmp', env: {} });
    const withRemote = configOf({ fx: fixtureEntry('fx'), remote: { url: proxy.url } });
    expect((await gateway.reload(withRemote)).added).toEqual(['remote']);
    expect(gateway.manager.backends).toContain('remote');
    const client = await connectClient(url);
    expect(textOf(await client.callTool({ name: 'remote__test_simple_text', arguments: {} }))).toBe(
      'This is a simple text response for testing.',
    );
    expect((await gateway.reload(configOf({ fx: fixtureEntry('fx') }))).removed).toEqual(['remote']);
    expect(gateway.manager.backends).not.toContain('remote');
    expect(proxy.seen.at(-1)?.method).toBe('DELETE');
  });

  it('a hot remote is connected before any request, and /metrics counts it like any backend', async () => {
    const conformance = await spawnRemote(CONFORMANCE, ['--http', '0']);
    const { url, origin, gateway } = await startInProcess({
      mcpServers: { remote: { url: conformance.url, tier: 'hot' }, fx: fixtureEntry('fx') },
    });
    // Started (handshake done) with the gateway, before any client: the tier is the pool's min.
    expect(gateway.started.ready).toContain('remote');
    expect(connections(gateway, 'remote')).toMatchObject({ ready: 1, connects: 1, leased: 0 });
    expect(gateway.eraOf('remote')).toBe('2025');
    const metrics = await (await fetch(`${origin}/metrics`)).text();
    expect(metrics).toContain('switchyard_workers{backend="remote",tier="hot",state="ready"} 1');
    expect(metrics).toContain('switchyard_backend_up{backend="remote"} 1');
    expect(metrics).toContain('switchyard_backend_protocol_era{backend="remote",era="2025"} 1');
    const client = await connectClient(url);
    expect(textOf(await client.callTool({ name: 'remote__test_simple_text', arguments: {} }))).toBe(
      'This is a simple text response for testing.',
    );
    // Calls go through the backend's admission, and its stats count the lease.
    expect(gateway.admission.remote).toBeDefined();
    expect(gateway.manager.stats().backends.remote?.leases).toBeGreaterThanOrEqual(1);
  });

  it('a remote whose calls fail opens its circuit breaker: calls refused at once, /readyz says why', async () => {
    const { url, origin } = await startInProcess({
      mcpServers: { down: { url: failingRemote() }, fx: fixtureEntry('fx') },
    });
    const client = await connectClient(url);
    let failed = 0;
    let refused: string | undefined;
    while (refused === undefined && failed < 25) {
      const message = await client.callTool({ name: 'down__fail', arguments: {} }).then(
        () => 'the call succeeded',
        (e: unknown) => String(e),
      );
      if (message.includes('failing as asked')) failed++;
      else refused = message;
    }
    // The same breaker as a stdio backend's: ≥ 50 % of ≥ 20 calls in the window failed.
    expect(failed).toBeGreaterThanOrEqual(19);
    expect(refused).toMatch(/Backend "down" is unavailable: circuit open, retry after \d+ s/);
    const ready = (await (await fetch(`${origin}/readyz`)).json()) as {
      backends: { name: string; breaker?: string }[];
    };
    expect(ready.backends.find((b) => b.name === 'down')?.breaker).toBe('open');
    expect(textOf(await client.callTool({ name: 'fx__echo', arguments: { text: 'fine' } }))).toBe('fine');
  });

  it('with a remote down, lists answer with the others and name it in _meta, and calls to it fail fast', async () => {
    // A port nobody listens on (it was free a moment ago).
    const down = `http://127.0.0.1:${freePort()}/mcp`;
    const { url, gateway } = await startInProcess({
      mcpServers: { down: { url: down }, fx: fixtureEntry('fx') },
    });
    expect(connections(gateway, 'down')).toMatchObject({ state: 'ok', live: 0 });
    const client = await connectClient(url);
    const listing = Date.now();
    const listed = await client.listTools();
    expect(listed.tools.map((t) => t.name)).toContain('fx__echo');
    const unavailable = (listed._meta as Record<string, Unavailable>)['switchyard/unavailable'];
    expect(unavailable?.map((u) => u.backend)).toEqual(['down']);
    expect(unavailable?.[0]?.reason).toContain(`remote "down" at ${down}`);
    expect(unavailable?.[0]?.reason).toMatch(/ECONNREFUSED/);

    const started = Date.now();
    // Within the second after a failed connect the gateway does not try again, and says so. (On a
    // machine so busy that the second had passed since the list's failed connect, it tries again,
    // and fails again at once: that is right too, and told apart by the clock.)
    const first = await client.callTool({ name: 'down__anything', arguments: {} }).then(
      () => new Error('expected the call to fail'),
      (e: unknown) => e as Error,
    );
    expect(String(first)).toMatch(
      /Backend "down" is unavailable: (?:backend "\w+" failed: )?remote "down" at .*ECONNREFUSED/,
    );
    if (!/next attempt in/.test(String(first))) expect(Date.now() - listing).toBeGreaterThanOrEqual(1_000);
    // Fast: the message ("next attempt in") proves no new connect was tried; the cap is only
    // generous against a hang, not a measure (busy machines).
    expect(Date.now() - started).toBeLessThan(5_000);
    // After it, it tries again (and fails again, at once). The wait is a lower bound on the window.
    await new Promise((r) => setTimeout(r, 1_100));
    const retried = Date.now();
    await expect(client.callTool({ name: 'down__anything', arguments: {} })).rejects.toThrow(
      /Backend "down" is unavailable: (?:backend "\w+" failed: )?remote "down" at .*ECONNREFUSED/,
    );
    expect(Date.now() - retried).toBeLessThan(5_000);
    expect(connections(gateway, 'down')).toMatchObject({ state: 'failed', connects: 0 });
    expect(textOf(await client.callTool({ name: 'fx__echo', arguments: { text: 'still here' } }))).toBe(
      'still here',
    );
  });

  it('a remote killed mid-life: the next call fails naming it; restarted on its port, it is reconnected', async () => {
    let conformance = await spawnRemote(CONFORMANCE, ['--http', '0']);
    const port = new URL(conformance.url).port;
    const { url, gateway } = await startInProcess({
      mcpServers: { remote: { url: conformance.url }, fx: fixtureEntry('fx') },
    });
    const client = await connectClient(url);
    const call = () => client.callTool({ name: 'remote__test_simple_text', arguments: {} }).then(textOf);
    expect(await call()).toBe('This is a simple text response for testing.');

    await conformance.kill();
    const started = Date.now();
    await expect(call()).rejects.toThrow(
      /Backend "remote" is unavailable: (?:backend "\w+" failed: )?remote "remote" at http:\/\/127\.0\.0\.1/,
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(textOf(await client.callTool({ name: 'fx__echo', arguments: { text: 'fine' } }))).toBe('fine');

    conformance = await spawnRemote(CONFORMANCE, ['--http', port]);
    expect(new URL(conformance.url).port).toBe(port);
    const deadline = Date.now() + 10_000;
    let text: string | undefined;
    while (text === undefined) {
      text = await call().catch((e: unknown) => {
        if (Date.now() > deadline) throw e;
        return new Promise<undefined>((r) => setTimeout(r, 200));
      });
    }
    expect(text).toBe('This is a simple text response for testing.');
    expect(connections(gateway, 'remote')).toMatchObject({ ready: 1, connects: 2 });

    // Killed while a call is running on it: that call fails at once, naming the backend.
    const running = client.callTool(
      { name: 'remote__test_tool_with_progress', arguments: {} },
      CallToolResultSchema,
      { onprogress: () => void conformance.kill() },
    );
    await expect(running).rejects.toThrow(
      /Backend "remote" is unavailable: (?:backend "\w+" failed: )?remote "remote" at /,
    );
  });

  it('a legacy SSE remote killed: the next call fails naming it; restarted on its port, it is reconnected', async () => {
    let sse = await spawnRemote(SSE, []);
    const port = new URL(sse.url).port;
    const { url, gateway } = await startInProcess({
      mcpServers: { legacy: { url: sse.url, type: 'sse' }, fx: fixtureEntry('fx') },
    });
    const client = await connectClient(url);
    const echo = () => client.callTool({ name: 'legacy__echo', arguments: { text: 'sse' } }).then(textOf);
    expect(await echo()).toBe('sse');

    await sse.kill();
    await expect(echo()).rejects.toThrow(
      /Backend "legacy" is unavailable: (?:backend "\w+" failed: )?remote "legacy" at http:\/\/127\.0\.0\.1/,
    );

    sse = await spawnRemote(SSE, ['--port', port]);
    const deadline = Date.now() + 10_000;
    let text: string | undefined;
    while (text === undefined) {
      text = await echo().catch((e: unknown) => {
        if (Date.now() > deadline) throw e;
        return new Promise<undefined>((r) => setTimeout(r, 200));
      });
    }
    expect(text).toBe('sse');
    expect(connections(gateway, 'legacy')).toMatchObject({ ready: 1, connects: 2 });
  });

  it('a remote that speaks only 2026-07-28 is found by server/discover and serves a 2025 and a 2026 client', {
    timeout: 30_000,
  }, async () => {
    const remote = await spawnRemote(MODERN, ['--http', '--name', 'modern-remote']);
    const seen = recordingProxy(remote.url);
    const { url, gateway } = await startInProcess({
      mcpServers: { modern: { url: seen.url }, fx: fixtureEntry('fx', { tier: 'hot' }) },
    });
    const legacy = await connectClient(url);
    const { tools } = await legacy.listTools();
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['modern__echo', 'modern__count', 'fx__echo']),
    );
    const echoed = await legacy.callTool({
      name: 'modern__echo',
      arguments: { text: 'through a 2026 remote' },
    });
    expect((echoed.content as { text: string }[])[0]!.text).toBe('through a 2026 remote');
    // Its progress reaches the 2025 client.
    const progress: number[] = [];
    await legacy.callTool(
      { name: 'modern__count', arguments: { steps: 3, delayMs: 10 } },
      CallToolResultSchema,
      {
        onprogress: (p) => progress.push(p.progress),
      },
    );
    expect(progress).toEqual([1, 2, 3]);
    // A 2026 client too (stateless POSTs to the gateway, bridged to the remote's own 2026).
    const modern = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'modern__echo',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'modern__echo',
          arguments: { text: 'modern to modern' },
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
    });
    expect(modern.status).toBe(200);
    expect(JSON.stringify(await modern.json())).toContain('modern to modern');
    // The gateway spoke 2026 to it: no initialize, and the standard headers on every POST.
    const posts = seen.seen.filter((r) => r.method === 'POST');
    expect(posts.length).toBeGreaterThan(0);
    for (const r of posts) {
      expect(r.headers.get('mcp-protocol-version')).toBe('2026-07-28');
      expect(r.headers.get('mcp-method')).not.toBeNull();
    }
    expect(posts.some((r) => r.headers.get('mcp-method') === 'server/discover')).toBe(true);
    expect(posts.some((r) => r.headers.get('mcp-method') === 'initialize')).toBe(false);
    expect(posts.find((r) => r.headers.get('mcp-method') === 'tools/call')?.headers.get('mcp-name')).toBe(
      'echo',
    );
    expect(connections(gateway, 'modern')).toMatchObject({ ready: 1, connects: 1 });
    expect(gateway.eraOf('modern')).toBe('2026');
  });
});
