/**
 * Configuration reloads apply everywhere (issue #20): two real CLI nodes with `switchyard.cluster` on
 * one real redis-server. Each node's `switchyard.json` is a symbolic link to a file elsewhere — as a
 * mounted ConfigMap is — so a node's watcher does not see the target change: only the cluster bus
 * tells it. A SIGHUP to node A reloads A, A announces it, and B re-reads its *own* file: B's tools
 * list changes and its heartbeat's configuration hash is A's again. An invalid file on B is logged
 * there and B keeps running what it ran (the dashboard's mismatch then shows it).
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../tooling/testing/redis-server.ts';
import { call, initialize, resultOf } from './support/cluster.ts';
import { fixtureEntry, runServe, tempDir } from './support/gateway.ts';
import { untilAsync } from './support/haproxy.ts';

const SECRET = 'reload-test-cluster-secret-0123456789abcdef';
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

let prefixes = 0;

/** A configuration both nodes can run: the journal file and secret from each node's environment. */
function configOf(keyPrefix: string, backends: string[]): string {
  return JSON.stringify({
    mcpServers: Object.fromEntries(backends.map((name) => [name, fixtureEntry(name)])),
    switchyard: {
      journal: { path: '${JOURNAL_PATH}', redis: { url: redis.url, keyPrefix } },
      cluster: { secret: '${CLUSTER_SECRET}' },
    },
  });
}

/** A node whose `switchyard.json` links to `target`. */
async function nodeOn(target: string) {
  const dir = await tempDir();
  await symlink(target, join(dir, 'switchyard.json'));
  const served = await runServe(['--config', 'switchyard.json', '--port', '0'], {
    cwd: dir,
    env: { JOURNAL_PATH: join(dir, 'journal.db'), CLUSTER_SECRET: SECRET },
  });
  return { ...served, dir };
}

/** The nodes' heartbeats in Redis: configuration hash by URL. */
async function heartbeats(keyPrefix: string): Promise<Record<string, string>> {
  const ids = ((await redis.client.send('SMEMBERS', [`${keyPrefix}nodes`])) as string[]).map(String);
  if (ids.length === 0) return {};
  const values = (await redis.client.send(
    'MGET',
    ids.map((id) => `${keyPrefix}node:${id}`),
  )) as (string | null)[];
  const beats = values.filter((v) => v !== null).map((v) => JSON.parse(String(v)) as Record<string, string>);
  return Object.fromEntries(beats.map((b) => [b.url, b.configHash]));
}

async function toolsOf(url: string, sid: string): Promise<string[]> {
  const listed = resultOf(await call(url, sid, 'tools/list'));
  return (listed.tools as { name: string }[]).map((t) => t.name).sort();
}

describe('configuration reloads across the cluster', { timeout: 90_000 }, () => {
  it("a reload on A makes B re-read its own file: B's tools change, its configuration hash is A's", async () => {
    const keyPrefix = `reload-${++prefixes}:`;
    const shared = join(await tempDir(), 'config');
    await mkdir(shared);
    const file = join(shared, 'switchyard.json');
    await writeFile(file, configOf(keyPrefix, ['fx']));
    const [a, b] = await Promise.all([nodeOn(file), nodeOn(file)]);
    await untilAsync('both heartbeats', async () => Object.keys(await heartbeats(keyPrefix)).length === 2);
    const before = await heartbeats(keyPrefix);
    expect(before[a.url]).toBe(before[b.url]);
    const onB = await initialize(b.url, 'B');
    expect(await toolsOf(b.url, onB)).not.toContain('fy__echo');

    await writeFile(file, configOf(keyPrefix, ['fx', 'fy']));
    a.child.kill('SIGHUP');

    await untilAsync('fy on B', async () => (await toolsOf(b.url, onB)).includes('fy__echo'), 30_000);
    expect(await toolsOf(a.url, await initialize(a.url, 'A'))).toContain('fy__echo');
    // B reloaded because A said so (its own watcher sees nothing behind the link), and said it once.
    expect(b.stderr()).toMatch(/"why":"cluster: node [^"]+ reloaded".*configuration reloaded/);
    expect(b.stderr()).not.toMatch(/"why":"(SIGHUP|file changed)"/);
    // The heartbeats: the same new hash on both nodes.
    await untilAsync(
      'the same new hash',
      async () => {
        const now = await heartbeats(keyPrefix);
        return now[a.url] !== before[a.url] && now[a.url] === now[b.url];
      },
      30_000,
    );
  });

  it('an invalid file on B: B logs it and keeps its configuration; A applies its own', async () => {
    const keyPrefix = `reload-${++prefixes}:`;
    const shared = join(await tempDir(), 'config');
    await mkdir(shared);
    const fileA = join(shared, 'a.json');
    const fileB = join(shared, 'b.json');
    await writeFile(fileA, configOf(keyPrefix, ['fx']));
    await writeFile(fileB, configOf(keyPrefix, ['fx']));
    const [a, b] = await Promise.all([nodeOn(fileA), nodeOn(fileB)]);
    await untilAsync('both heartbeats', async () => Object.keys(await heartbeats(keyPrefix)).length === 2);
    const onB = await initialize(b.url, 'B');
    const toolsBefore = await toolsOf(b.url, onB);

    await writeFile(fileA, configOf(keyPrefix, ['fx', 'fy']));
    await writeFile(fileB, '{ "mcpServers": { "fy": { "command": 42 } } }');
    a.child.kill('SIGHUP');

    await untilAsync(
      'B refused its file',
      async () => b.stderr().includes('configuration not reloaded'),
      30_000,
    );
    expect(b.stderr()).toMatch(/"why":"cluster: node [^"]+ reloaded".*configuration not reloaded/);
    expect(b.stderr()).toContain('mcpServers.fy.command');
    // B runs on as it was; A runs its new file; the heartbeats say they differ.
    expect(await toolsOf(b.url, onB)).toEqual(toolsBefore);
    expect(await toolsOf(b.url, onB)).not.toContain('fy__echo');

    expect(await toolsOf(a.url, await initialize(a.url, 'A'))).toContain('fy__echo');
    await untilAsync('hashes differ', async () => {
      const now = await heartbeats(keyPrefix);
      return now[a.url] !== undefined && now[b.url] !== undefined && now[a.url] !== now[b.url];
    });
    expect(b.child.exitCode).toBeNull();
  });
});
