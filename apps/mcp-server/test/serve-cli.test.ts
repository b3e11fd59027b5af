/**
 * `switchyard serve` as a user runs it: a child process, its URL on the first stdout line, the
 * embedded default when no config is given, a graceful stop on SIGTERM.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { isAlive, until } from '../../../tooling/testing/wait.ts';
import { runCli } from './helpers.ts';
import { connectClient, fixtureEntry, startServe, tempDir } from './support/gateway.ts';

function textOf(result: unknown): string {
  return (result as { content: { text: string }[] }).content.map((c) => c.text).join('');
}

describe('switchyard serve', () => {
  it('with no config serves the builtin tools and journals to ./switchyard.db', async () => {
    const cwd = await tempDir();
    const serve = await startServe([], { cwd });
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const client = await connectClient(serve.url);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['builtin__echo', 'builtin__now', 'builtin__uuid', 'builtin__hash']),
    );
    const hashed = await client.callTool({ name: 'builtin__hash', arguments: { text: 'abc' } });
    expect(textOf(hashed)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(existsSync(join(cwd, 'switchyard.db'))).toBe(true);
  });

  it('SIGTERM lets a call in flight finish, stops every backend and exits 0', async () => {
    const dir = await tempDir();
    const config = join(dir, 'switchyard.json');
    await writeFile(config, JSON.stringify({ mcpServers: { fx: fixtureEntry('fx', { tier: 'hot' }) } }));
    const serve = await startServe(['--config', config], { cwd: dir });
    const client = await connectClient(serve.url);
    const { pid } = JSON.parse(textOf(await client.callTool({ name: 'fx__whoami', arguments: {} }))) as {
      pid: number;
    };
    expect(isAlive(pid)).toBe(true);
    // SIGTERM once the call is running on the backend (its first progress), not after a guessed delay.
    let running = false;
    const inFlight = client.callTool({ name: 'fx__sleep', arguments: { ms: 600 } }, CallToolResultSchema, {
      onprogress: () => {
        running = true;
      },
    });
    await until(() => running, 'progress of the call in flight', 10_000);
    serve.child.kill('SIGTERM');
    expect(textOf(await inFlight)).toBe('slept 600 ms');
    expect(await serve.exited).toBe(0);
    await until(() => !isAlive(pid), 'the backend process to be gone', 5_000);
    expect(serve.stderr()).toMatch(/"msg":"stopped"/);
  });

  it('refuses to listen beyond loopback without a bearer token (exit 1, naming the key)', async () => {
    const result = await runCli(['serve', '--host', '0.0.0.0', '--port', '0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/switchyard\.auth\.tokens/);
  });

  it('a bad --port is a usage error (exit 2)', async () => {
    const result = await runCli(['serve', '--port', 'eighty']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--port/);
  });

  it('an invalid config file is exit 1 with every problem', async () => {
    const dir = await tempDir();
    const config = join(dir, 'bad.json');
    await writeFile(config, JSON.stringify({ mcpServers: { fx: { command: 'x', tier: 'hott' } } }));
    const result = await runCli(['serve', '--config', config, '--port', '0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/mcpServers\.fx\.tier/);
  });
});

describe('switchyard serve on a busy port', () => {
  it('says the port is in use and exits 1, leaving no backend behind', async () => {
    const blocker = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('busy') });
    try {
      const result = await runCli(['serve', '--port', String(blocker.port)], { cwd: await tempDir() });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`127\\.0\\.0\\.1:${blocker.port} is in use`));
    } finally {
      blocker.stop(true);
    }
  });
});
