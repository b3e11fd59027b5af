/**
 * Hot reload of `switchyard serve` (the file of `--config`, or the one found without it): a changed file adds, replaces and removes backends
 * while a client's session goes on; an invalid file is logged and the running configuration stays;
 * SIGHUP reloads too.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive, until } from '../../../tooling/testing/wait.ts';
import { connectClient, fixtureEntry, startServe, tempDir } from './support/gateway.ts';

function textOf(result: unknown): string {
  return (result as { content: { text: string }[] }).content.map((c) => c.text).join('');
}

async function toolNames(client: Awaited<ReturnType<typeof connectClient>>): Promise<string[]> {
  return (await client.listTools()).tools.map((t) => t.name).sort();
}

/** Polls until `check` holds or 10 s pass. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('hot reload', () => {
  it('adds and removes backends on a file change; the session and the unchanged backend go on', {
    timeout: 60_000,
  }, async () => {
    const dir = await tempDir();
    const file = join(dir, 'switchyard.json');
    const config = (servers: Record<string, unknown>) =>
      JSON.stringify({ mcpServers: servers, switchyard: { journal: { path: './j.db' } } });
    await writeFile(file, config({ a: fixtureEntry('a', { tier: 'hot' }) }));
    const serve = await startServe(['--config', file], { cwd: dir });
    const client = await connectClient(serve.url);
    const whoami = async (backend: string) =>
      JSON.parse(textOf(await client.callTool({ name: `${backend}__whoami`, arguments: {} }))) as {
        pid: number;
      };
    const aPid = (await whoami('a')).pid;
    expect(await toolNames(client)).toContain('a__echo');

    await writeFile(
      file,
      config({ a: fixtureEntry('a', { tier: 'hot' }), b: fixtureEntry('b', { tier: 'hot' }) }),
    );
    await eventually(async () => (await toolNames(client)).includes('b__echo'), 'b to be added');
    expect(textOf(await client.callTool({ name: 'b__echo', arguments: { text: 'new' } }))).toBe('new');
    const bPid = (await whoami('b')).pid;
    expect((await whoami('a')).pid).toBe(aPid); // untouched

    await writeFile(file, config({ a: fixtureEntry('a', { tier: 'hot' }) }));
    await eventually(async () => !(await toolNames(client)).includes('b__echo'), 'b to be removed');
    await until(() => !isAlive(bPid), 'b’s process to exit', 10_000);
    await expect(client.callTool({ name: 'b__echo', arguments: { text: 'x' } })).rejects.toThrow(
      /Unknown tool/,
    );
    expect((await whoami('a')).pid).toBe(aPid);
    expect(serve.stderr()).toMatch(/"msg":"configuration reloaded"/);
  });

  it('watches a ./switchyard.json found without --config, too', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const file = join(dir, 'switchyard.json');
    const config = (servers: Record<string, unknown>) =>
      JSON.stringify({ mcpServers: servers, switchyard: { journal: { path: './j.db' } } });
    await writeFile(file, config({ a: fixtureEntry('a', { tier: 'hot' }) }));
    const serve = await startServe([], { cwd: dir });
    const client = await connectClient(serve.url);
    expect(await toolNames(client)).toContain('a__echo');
    await writeFile(
      file,
      config({ a: fixtureEntry('a', { tier: 'hot' }), b: fixtureEntry('b', { tier: 'hot' }) }),
    );
    await eventually(async () => (await toolNames(client)).includes('b__echo'), 'b to be added');
    expect(textOf(await client.callTool({ name: 'b__echo', arguments: { text: 'new' } }))).toBe('new');
    expect(serve.stderr()).toMatch(/"msg":"configuration reloaded"/);
  });

  it('keeps the running configuration when the new file is invalid, and reloads on SIGHUP', {
    timeout: 60_000,
  }, async () => {
    const dir = await tempDir();
    const file = join(dir, 'switchyard.json');
    await writeFile(
      file,
      JSON.stringify({
        mcpServers: { a: fixtureEntry('a', { tier: 'hot' }) },
        switchyard: { journal: { path: './j.db' } },
      }),
    );
    const serve = await startServe(['--config', file], { cwd: dir });
    const client = await connectClient(serve.url);

    await writeFile(file, '{ "mcpServers": { "a": { "command": "x", "tier": "lukewarm" } } }');
    await until(() => /configuration not reloaded/.test(serve.stderr()), 'the reload to be refused', 10_000);
    expect(serve.stderr()).toMatch(/mcpServers\.a\.tier/);
    expect(textOf(await client.callTool({ name: 'a__echo', arguments: { text: 'still' } }))).toBe('still');

    // A valid file again, applied on SIGHUP as well (the watcher may see it first: either reloads it).
    await writeFile(
      file,
      JSON.stringify({
        mcpServers: { a: fixtureEntry('a', { tier: 'hot' }), c: fixtureEntry('c', { tier: 'warm' }) },
        switchyard: { journal: { path: './j.db' } },
      }),
    );
    serve.child.kill('SIGHUP');
    await eventually(async () => (await toolNames(client)).includes('c__echo'), 'c to be added');
    expect(isAlive(serve.child.pid)).toBe(true);
  });
});
