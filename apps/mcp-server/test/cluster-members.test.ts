/**
 * Who is in the cluster (issue #20): each node's heartbeat carries a hash of the configuration it
 * runs, and the dashboard lists the nodes and flags a mismatch. Real CLI nodes with
 * `switchyard.cluster` on one real redis-server; the dashboard read as its page reads it, from
 * `/dashboard/events`. Node-specific keys (journal file, address) do not count as a difference;
 * secrets are not in the hash.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../tooling/testing/redis-server.ts';
import { configHash } from '../src/cluster/config-hash.ts';
import { parseConfigValue } from '../src/config/load.ts';
import type { DashboardSnapshot } from '../src/dashboard/snapshot.ts';
import { type Node, startNode } from './support/cluster.ts';

const SECRET = 'members-test-cluster-secret-0123456789abcdef';
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** Snapshots from the node's dashboard stream until `done` holds (or 20 s). */
async function dashboardUntil(
  node: Node,
  done: (s: DashboardSnapshot) => boolean,
): Promise<DashboardSnapshot> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 20_000);
  const events = await fetch(node.url.replace(/\/mcp$/, '/dashboard/events'), {
    headers: { accept: 'text/event-stream' },
    signal: controller.signal,
  });
  const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let last: DashboardSnapshot | undefined;
  try {
    for (;;) {
      const { done: ended, value } = await reader.read();
      if (ended) break;
      buffer += value;
      let cut = buffer.indexOf('\n\n');
      while (cut !== -1) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trim())
          .join('\n');
        if (block.includes('event: snapshot') && data !== '') {
          last = JSON.parse(data) as DashboardSnapshot;
          if (done(last)) return last;
        }
        cut = buffer.indexOf('\n\n');
      }
    }
  } catch {
    // timed out: the last snapshot says what was seen
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  throw new Error(`the dashboard never showed it; last: ${JSON.stringify(last?.cluster)}`);
}

let prefixes = 0;
const nodeOptions = (extra: Record<string, unknown> = {}) => ({
  switchyard: { cluster: { secret: '${CLUSTER_SECRET}' }, ...extra },
  env: { CLUSTER_SECRET: SECRET },
});

describe('cluster members on the dashboard', { timeout: 90_000 }, () => {
  it('two nodes on the same configuration: both listed, no mismatch', async () => {
    const shared = { url: redis.url, keyPrefix: `members-${++prefixes}:` };
    const [a, b] = await Promise.all([
      startNode('A', shared, nodeOptions()),
      startNode('B', shared, nodeOptions()),
    ]);
    const snap = await dashboardUntil(a, (s) => (s.cluster?.nodes.length ?? 0) === 2);
    expect(snap.cluster?.mismatch).toBe(false);
    expect(snap.cluster?.nodes.filter((n) => n.self)).toHaveLength(1);
    expect(snap.cluster?.nodes.map((n) => n.url).sort()).toEqual([a.url, b.url].sort());
    expect(JSON.stringify(snap)).not.toContain(SECRET);
  });

  it('a node on a different configuration is flagged on every node', async () => {
    const shared = { url: redis.url, keyPrefix: `members-${++prefixes}:` };
    const [a, b] = await Promise.all([
      startNode('A', shared, nodeOptions()),
      startNode('B', shared, nodeOptions({ limits: { maxBatchSize: 7 } })),
    ]);
    for (const node of [a, b]) {
      const snap = await dashboardUntil(node, (s) => (s.cluster?.nodes.length ?? 0) === 2);
      expect(snap.cluster?.mismatch).toBe(true);
      expect(new Set(snap.cluster?.nodes.map((n) => n.configHash)).size).toBe(2);
    }
  });

  it('the hash leaves out node-specific keys and secrets', () => {
    const load = (switchyard: Record<string, unknown>, env: Record<string, string>) =>
      parseConfigValue(
        {
          mcpServers: {},
          switchyard: {
            journal: { redis: { url: 'redis://:${REDIS_PASSWORD}@h:6379' } },
            auth: { tokens: [{ tokenEnv: 'T', principal: 'p' }] },
            ...switchyard,
          },
        },
        { source: 't', baseDir: '/', env },
      );
    const base = load(
      { cluster: { secret: SECRET, nodeId: 'a' }, listen: { port: 1 } },
      { REDIS_PASSWORD: 'one', T: 'token-one-0123456789' },
    );
    const otherNode = load(
      { cluster: { secret: `${SECRET}x`, nodeId: 'b', advertiseUrl: 'http://b:2/mcp' }, listen: { port: 2 } },
      { REDIS_PASSWORD: 'two', T: 'token-two-0123456789' },
    );
    expect(configHash(otherNode)).toBe(configHash(base));
    const differs = load(
      { cluster: { secret: SECRET }, limits: { maxBatchSize: 3 } },
      {
        REDIS_PASSWORD: 'one',
        T: 'token-one-0123456789',
      },
    );
    expect(configHash(differs)).not.toBe(configHash(base));
  });
});
