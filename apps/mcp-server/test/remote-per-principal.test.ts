/**
 * Per-principal remote backends (#21, on the tier manager since #18): one connection per principal
 * to a real remote MCP server (`fixtures/whoami-server.ts` in a child process) — a worker of the
 * backend's pool bound to the principal — at most `replicas.max` at once: at the bound an unleased
 * one, the least recently served, is ended for a newcomer, and with every one leased the acquire is
 * refused naming the bound; each is ended when its principal's last session ends. A remote that is
 * down fails the backend with its reason and the pool's backoff (later calls refused at once until
 * the next try), and /readyz and /metrics show it like any backend. And a stdio backend's `env`
 * value read from a file reaches its process.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MultiTierPort } from '@switchyard/coordinator';
import { MultiTierPoolManager } from '@switchyard/multi-tier';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../tooling/testing/ports.ts';
import { parseConfigValue } from '../src/config/load.ts';
import { backendSpec } from '../src/gateway/backend-spec.ts';
import { connectClient, startInProcess, tempDir } from './support/gateway.ts';
import { spawnUrlServer } from './support/url-server.ts';

const WHOAMI = new URL('./fixtures/whoami-server.ts', import.meta.url).pathname;
const ENV_SERVER = new URL('./fixtures/env-server.ts', import.meta.url).pathname;

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function startWhoami(): Promise<string> {
  return (await spawnUrlServer(WHOAMI, [], (kill) => stops.push(kill))).url;
}

function textOf(result: unknown): string {
  return (result as { content: { text: string }[] }).content.map((c) => c.text).join('');
}

describe('a per-principal remote', () => {
  it('one connection per principal, bounded by replicas.max, ended with its principal', async () => {
    const url = await startWhoami();
    const config = parseConfigValue(
      { mcpServers: { who: { url, isolation: 'per-principal', replicas: { min: 1, max: 2 } } } } as never,
      { source: 'test', baseDir: '/tmp', env: {} },
    );
    const backend = config.backends[0]!;
    // As the gateway wires it: the backend is a pool of the tier manager, its workers MCP peers through the port.
    const port = new MultiTierPort({ name: 'test', version: '1' });
    const manager = new MultiTierPoolManager({
      backends: { who: backendSpec(backend, port.readyHookFor(backend.era), {}) },
    });
    port.use(manager);
    stops.push(() => manager.stop());
    const acquire = (principal: string) => port.acquire('who', { session: `s-${principal}`, principal });
    const stats = () => manager.stats().backends.who!;

    const a = await acquire('a');
    const b = await acquire('b');
    expect(a.worker.id).not.toBe(b.worker.id);
    const again = await acquire('a');
    expect(again.worker.id).toBe(a.worker.id);
    again.release();
    expect(stats()).toMatchObject({
      state: 'ok',
      isolation: 'per-principal',
      workers: { ready: 2, leased: 2, spare: 0 },
      starts: { total: 2 },
      saturated: true,
    });

    // At the bound with both leased: refused, naming the bound.
    await expect(acquire('c')).rejects.toThrow(
      /its 2 workers \(replicas\.max\) all bound to principals and in use/,
    );
    // a released: its connection (the least recently served idle one) makes room for c.
    a.release();
    const closedA = new Promise<string>((resolve) => a.worker.onClose(resolve));
    const c = await acquire('c');
    expect(await closedA).toBe('stopped (made-room)');
    expect(c.worker.id).not.toBe(a.worker.id);

    // b's last session ends: its connection ends with it (not while leased).
    const closedB = new Promise<string>((resolve) => b.worker.onClose(resolve));
    await port.endPrincipal('b');
    expect(stats().workers.total).toBe(2);
    b.release();
    await port.endPrincipal('b');
    expect(await closedB).toBe('stopped (session-end)');
    c.release();
    expect(stats()).toMatchObject({ starts: { total: 3 }, workers: { leased: 0, total: 1 } });
  });

  it('through the gateway: each principal its own connection; a remote down fails with its reason and backoff; /readyz and /metrics show both', async () => {
    const url = await startWhoami();
    const down = `http://127.0.0.1:${freePort()}/mcp`;
    const {
      url: gw,
      origin,
      gateway,
    } = await startInProcess({
      mcpServers: {
        who: { url, isolation: 'per-principal' },
        gone: { url: down, isolation: 'per-principal' },
      },
      switchyard: {
        auth: {
          tokens: [
            { token: 'alice-token-0123456789abcdef', principal: 'alice' },
            { token: 'bob-token-0123456789abcdef0', principal: 'bob' },
          ],
        },
        admin: { principals: ['alice'] },
      },
    });
    const asAlice = { authorization: 'Bearer alice-token-0123456789abcdef' };
    const alice = await connectClient(gw, { headers: asAlice });
    const bob = await connectClient(gw, { headers: { authorization: 'Bearer bob-token-0123456789abcdef0' } });
    expect(textOf(await alice.callTool({ name: 'who__whoami', arguments: {} }))).toBe('');
    expect(textOf(await bob.callTool({ name: 'who__whoami', arguments: {} }))).toBe('');
    expect(gateway.manager.stats().backends.who).toMatchObject({ sessions: 2, workers: { ready: 2 } });
    expect(gateway.eraOf('who')).toBe('2025');

    // The remote that is down: the connect fails the backend, with the reason.
    const first = await alice.callTool({ name: 'gone__anything', arguments: {} }).then(
      () => new Error('expected the call to fail'),
      (e: unknown) => e as Error,
    );
    const failedAt = Date.now();
    expect(String(first)).toMatch(/remote "gone" at .*ECONNREFUSED/);
    const ready = (await (await fetch(`${origin}/readyz`, { headers: asAlice })).json()) as {
      ready: boolean;
      backends: { name: string; tier: string; state: string; ready: number; reason?: string }[];
    };
    const readAt = Date.now();
    // Warm backends do not hold readiness back; each is listed like any backend (the failed one
    // with its reason while failed: within its backoff, on any but a machine too busy to tell).
    expect(ready.ready).toBe(true);
    expect(ready.backends[0]).toEqual({ name: 'who', tier: 'warm', state: 'ok', ready: 2 });
    const gone = ready.backends[1];
    if (gone?.state === 'failed') {
      expect(gone).toEqual({
        name: 'gone',
        tier: 'warm',
        state: 'failed',
        ready: 0,
        reason: expect.stringMatching(/ECONNREFUSED/),
      });
    } else {
      expect(readAt - failedAt).toBeGreaterThanOrEqual(800);
    }
    // Another principal's call is refused at once with the same reason: no new connect is tried
    // within the backoff (≥ 0.8 s at first). On a machine so busy that it had passed, a new connect
    // is tried and fails the same way: right too, and told apart by the clock.
    const second = String(
      await bob.callTool({ name: 'gone__anything', arguments: {} }).then(
        () => new Error('expected the call to fail'),
        (e: unknown) => e as Error,
      ),
    );
    expect(second).toMatch(/remote "gone" at .*ECONNREFUSED/);
    if (!/next attempt in \d+ ms/.test(second)) expect(Date.now() - failedAt).toBeGreaterThanOrEqual(800);
    expect(gateway.manager.stats().backends.gone).toMatchObject({ state: 'failed' });
    expect(gateway.manager.stats().backends.gone?.workers.total).toBe(0);

    const metrics = await (await fetch(`${origin}/metrics`, { headers: asAlice })).text();
    expect(metrics).toContain('switchyard_workers{backend="who",tier="warm",state="ready"} 2');
    expect(metrics).toContain('switchyard_backend_up{backend="who"} 1');
    expect(metrics).toContain('switchyard_backend_up{backend="gone"} 0');
  });
});

describe('a stdio backend env value from a file', () => {
  it('reaches the process', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'key'), 'file-held-value\n');
    const gw = await startInProcess({
      mcpServers: {
        env: { command: process.execPath, args: [ENV_SERVER], env: { API_KEY: { file: join(dir, 'key') } } },
      },
    });
    const client = await connectClient(gw.url);
    const result = (await client.callTool({ name: 'env__env', arguments: {} })) as {
      content: { text: string }[];
    };
    expect(JSON.parse(result.content[0]?.text ?? '{}').API_KEY).toBe('file-held-value');
  });
});
