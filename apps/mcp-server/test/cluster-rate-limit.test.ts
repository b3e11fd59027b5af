/**
 * `admission.rateLimit.scope: "cluster"` (issue #20): one bucket per principal shared by every node,
 * in the real Redis the nodes share. Two real CLI nodes; one client's 2026-07-28 requests alternate
 * between them. With `node` scope each node grants its own burst; with `cluster` the burst is the
 * cluster's. While Redis cannot be reached, requests are let through and the operator is told.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../tooling/testing/redis-server.ts';
import { type Node, startNode } from './support/cluster.ts';
import { modernPost } from './support/gateway.ts';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop().catch(() => {});
});

const BURST = 4;
let prefixes = 0;
async function twoNodes(scope: 'node' | 'cluster'): Promise<[Node, Node]> {
  const shared = { url: redis.url, keyPrefix: `rate-${++prefixes}:` };
  // One token a second after the burst: the test's requests come faster than that.
  const options = { switchyard: { admission: { rateLimit: { perSecond: 1, burst: BURST, scope } } } };
  return Promise.all([startNode('A', shared, options), startNode('B', shared, options)]);
}

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};
const list = (url: string, id: number) =>
  modernPost(url, { jsonrpc: '2.0', id, method: 'tools/list', params: { _meta: META } });

/** `n` requests alternating between the nodes: the statuses, and the seconds it took. */
async function alternate(nodes: [Node, Node], n: number) {
  const t0 = performance.now();
  const statuses: number[] = [];
  const retryAfter: (string | null)[] = [];
  for (let i = 0; i < n; i++) {
    const response = await list(nodes[i % 2]!.url, i);
    await response.text();
    statuses.push(response.status);
    if (response.status === 429) retryAfter.push(response.headers.get('retry-after'));
  }
  return { statuses, retryAfter, seconds: (performance.now() - t0) / 1000 };
}

describe('a cluster-wide rate limit', { timeout: 60_000 }, () => {
  it('node scope: each node grants its own burst', async () => {
    const { statuses } = await alternate(await twoNodes('node'), 12);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2 * BURST);
  });

  it("cluster scope: the principal's burst is the cluster's, then 429 + Retry-After on either node", async () => {
    const { statuses, retryAfter, seconds } = await alternate(await twoNodes('cluster'), 12);
    const ok = statuses.filter((s) => s === 200).length;
    // The burst, plus at most the tokens refilled while the requests ran (1 a second).
    expect(ok).toBeGreaterThanOrEqual(BURST);
    expect(ok, `${statuses.join(' ')} in ${seconds.toFixed(1)} s`).toBeLessThanOrEqual(
      BURST + Math.ceil(seconds),
    );
    expect(statuses.slice(0, BURST)).toEqual(Array(BURST).fill(200));
    expect(statuses.filter((s) => s === 429).length).toBe(12 - ok);
    for (const value of retryAfter) expect(Number(value)).toBeGreaterThanOrEqual(1);
  });

  it("cluster scope: one principal's spent burst leaves another principal's untouched", async () => {
    const shared = { url: redis.url, keyPrefix: `rate-${++prefixes}:` };
    const tokens = [
      { token: 'alice-token-0123456789', principal: 'alice' },
      { token: 'bob-token-0123456789ab', principal: 'bob' },
    ];
    const options = {
      switchyard: {
        auth: { tokens },
        admission: { rateLimit: { perSecond: 1, burst: BURST, scope: 'cluster' } },
      },
    };
    const nodes = await Promise.all([startNode('A', shared, options), startNode('B', shared, options)]);
    const as = async (token: string, i: number) => {
      const response = await modernPost(
        nodes[i % 2]!.url,
        { jsonrpc: '2.0', id: i, method: 'tools/list', params: { _meta: META } },
        { authorization: `Bearer ${token}` },
      );
      await response.text();
      return response.status;
    };
    const alice: number[] = [];
    for (let i = 0; i < BURST + 3; i++) alice.push(await as(tokens[0]!.token, i));
    expect(alice).toContain(429);
    // Bob's bucket is his own: his first BURST requests all pass, on either node.
    const bob: number[] = [];
    for (let i = 0; i < BURST; i++) bob.push(await as(tokens[1]!.token, i));
    expect(bob).toEqual(Array(BURST).fill(200));
  });

  it('while Redis cannot be reached, requests are let through and the operator is told', async () => {
    const own = await startRedis();
    try {
      const shared = { url: own.url, keyPrefix: 'rate-down:' };
      const options = {
        switchyard: { admission: { rateLimit: { perSecond: 1, burst: 1, scope: 'cluster' } } },
      };
      const node = await startNode('A', shared, options);
      expect((await list(node.url, 1)).status).toBe(200);
      await own.stop();
      for (let i = 2; i < 6; i++) expect((await list(node.url, i)).status).toBe(200);
      expect(node.stderr()).toContain('the cluster rate limit cannot reach Redis');
    } finally {
      await own.stop().catch(() => {});
    }
  });

  it('config: cluster scope without journal.redis is refused by key', async () => {
    const { parseConfigValue } = await import('../src/config/load.ts');
    const doc = {
      mcpServers: {},
      switchyard: { admission: { rateLimit: { perSecond: 5, scope: 'cluster' } } },
    };
    expect(() => parseConfigValue(doc, { source: 't', baseDir: '/', env: {} })).toThrow(
      /switchyard\.admission\.rateLimit\.scope/,
    );
  });
});
