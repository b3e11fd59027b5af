/**
 * Per-principal remote backends (#21): one connection per principal to a real remote MCP server
 * (`fixtures/whoami-server.ts` in a child process), at most `replicas.max` at once — at the bound an
 * unleased one, the least recently used, is ended for a newcomer, and with every one leased the
 * acquire is refused naming the key — each ended when its principal's last session ends. And a
 * stdio backend's `env` value read from a file reaches its process.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigValue } from '../src/config/load.ts';
import { RemotePort } from '../src/remote/remote-port.ts';
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

describe('a per-principal remote', () => {
  it('one connection per principal, bounded by replicas.max, ended with its principal', async () => {
    const url = await startWhoami();
    const config = parseConfigValue(
      { mcpServers: { who: { url, isolation: 'per-principal', replicas: { min: 1, max: 2 } } } } as never,
      { source: 'test', baseDir: '/tmp', env: {} },
    );
    const port = new RemotePort(config.backends, { clientInfo: { name: 'test', version: '1' } });
    stops.push(() => port.close());
    const acquire = (principal: string) => port.acquire('who', { session: `s-${principal}`, principal });

    const a = await acquire('a');
    const b = await acquire('b');
    expect(a.worker.id).not.toBe(b.worker.id);
    const again = await acquire('a');
    expect(again.worker.id).toBe(a.worker.id);
    again.release();
    expect(port.stats().who).toMatchObject({ state: 'connected', connects: 2, leased: 2 });

    // At the bound with both leased: refused, naming the key.
    await expect(acquire('c')).rejects.toThrow(/2 principals .*mcpServers\.who\.replicas\.max/);
    // a released: its connection (the least recently used idle one) makes room for c.
    a.release();
    const closedA = new Promise<string>((resolve) => a.worker.onClose(resolve));
    const c = await acquire('c');
    expect(await closedA).toContain('made room for another principal');
    expect(c.worker.id).not.toBe(a.worker.id);

    // b's last session ends: its connection ends with it (not while leased).
    const closedB = new Promise<string>((resolve) => b.worker.onClose(resolve));
    b.release();
    await port.endPrincipal('b');
    expect(await closedB).toContain("the principal's last session ended");
    c.release();
    expect(port.stats().who).toMatchObject({ connects: 3, leased: 0 });
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
