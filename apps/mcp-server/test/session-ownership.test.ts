/**
 * Session ownership among nodes (issue #20, `switchyard.cluster`): two real CLI nodes on one real
 * redis-server, the fixture as a per-session backend (each session its own worker process, `whoami`
 * says which). A session lives on the node that made it; a request for it on the other node is
 * forwarded there (the answer streamed back, the caller signed), so the session keeps its worker; a
 * DELETE on the other node ends it at its owner at once; when the owner is SIGKILLed, the other node
 * takes the session over (its per-session state reported lost, as after a restart); a forwarded
 * request with a forged signature is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../tooling/testing/redis-server.ts';
import { call, echo, initialize, type Node, resultOf, startNode, textOf } from './support/cluster.ts';
import { post } from './support/gateway.ts';

const SECRET = 'cluster-secret-for-the-ownership-test-0123456789';
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

let prefixes = 0;
async function twoNodes(): Promise<[Node, Node]> {
  const shared = { url: redis.url, keyPrefix: `own-${++prefixes}:` };
  const options = {
    fx: { isolation: 'per-session' },
    switchyard: { cluster: { secret: '${CLUSTER_SECRET}', leaseMs: 3_000 } },
    env: { CLUSTER_SECRET: SECRET },
  };
  return Promise.all([startNode('A', shared, options), startNode('B', shared, options)]);
}

const whoami = async (url: string, sid: string) => {
  const answer = await call(url, sid, 'tools/call', { name: 'fx__whoami', arguments: {} });
  return JSON.parse(textOf(resultOf(answer))) as { pid: number; calls: number };
};

describe('session ownership (switchyard.cluster)', { timeout: 90_000 }, () => {
  it("a request on the other node is served by the session's owner: the same worker, streamed answers too", async () => {
    const [a, b] = await twoNodes();
    const sid = await initialize(a.url);
    const onA = await whoami(a.url, sid);
    const viaB = await whoami(b.url, sid);
    // Forwarded to A: the same per-session worker, which has now served one more call.
    expect(viaB.pid).toBe(onA.pid);
    expect(viaB.calls).toBe(onA.calls + 1);
    // An SSE answer (progress, then the result) comes through B as A sent it.
    const streamed = await call(b.url, sid, 'tools/call', {
      name: 'fx__count',
      arguments: { n: 3, intervalMs: 5 },
      _meta: { progressToken: 'p' },
    });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    const messages = streamed.events.filter((e) => e.data !== '').map((e) => JSON.parse(e.data));
    expect(messages.filter((m) => m.method === 'notifications/progress')).toHaveLength(3);
    expect(textOf(resultOf(streamed))).toContain('counted 3');
    // The answer names the session, so a sticky balancer can learn it.
    expect(streamed.headers.get('mcp-session-id')).toBe(sid);
    // B never held it: its log has no restore of the session.
    expect(b.stderr()).not.toContain('took over');
  });

  it('a DELETE on the other node ends the session at its owner at once', async () => {
    const [a, b] = await twoNodes();
    const sid = await initialize(a.url);
    expect(textOf(resultOf(await call(a.url, sid, 'tools/call', echo('x'))))).toBe('x');
    const deleted = await fetch(b.url, { method: 'DELETE', headers: { 'mcp-session-id': sid } });
    expect(deleted.status).toBe(200);
    expect((await call(a.url, sid, 'tools/list')).status).toBe(404);
  });

  it('when the owner is gone, the other node takes the session over and says the per-session state was lost', async () => {
    const [a, b] = await twoNodes();
    const sid = await initialize(a.url);
    const before = await whoami(a.url, sid);
    a.child.kill('SIGKILL');
    await a.child.exited;
    // A's lease has not lapsed: B finds A unreachable and takes the session over at once.
    const first = await call(b.url, sid, 'tools/call', { name: 'fx__whoami', arguments: {} });
    const reply = first.events.map((e) => JSON.parse(e.data)).find((m) => m.id === first.id);
    expect(reply.error, first.text).toMatchObject({ code: -32051 });
    const after = await whoami(b.url, sid);
    expect(after.pid).not.toBe(before.pid);
    expect(b.stderr()).toContain('took over a session whose node cannot be reached');
    expect(textOf(resultOf(await call(b.url, sid, 'tools/call', echo('on B'))))).toBe('on B');
  });

  it('a forwarded request whose signature fails is refused with 403', async () => {
    const [a] = await twoNodes();
    const sid = await initialize(a.url);
    const forged = await post(
      a.url,
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { 'mcp-session-id': sid, 'x-switchyard-forwarded': 'v1.node-x.1.e30.AAAA' },
    );
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('signature');
    // A made-up caller with a valid shape but no key is refused the same way.
    const payload = Buffer.from(JSON.stringify({ principal: 'admin' })).toString('base64url');
    const made = await post(
      a.url,
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { 'mcp-session-id': sid, 'x-switchyard-forwarded': `v1.node-x.${Date.now()}.${payload}.bm9wZQ` },
    );
    expect(made.status).toBe(403);
  });

  it('config: cluster without journal.redis, or on all interfaces without advertiseUrl, is refused by key', async () => {
    const { parseConfigValue } = await import('../src/config/load.ts');
    const base = { mcpServers: {}, switchyard: { cluster: { secret: SECRET } } };
    expect(() => parseConfigValue(base, { source: 't', baseDir: '/', env: {} })).toThrow(
      /switchyard\.cluster[\s\S]*journal\.redis/,
    );
    const wide = {
      mcpServers: {},
      switchyard: {
        listen: { host: '0.0.0.0' },
        journal: { redis: { url: 'redis://127.0.0.1:6379' } },
        cluster: { secret: SECRET },
      },
    };
    expect(() => parseConfigValue(wide, { source: 't', baseDir: '/', env: {} })).toThrow(
      /switchyard\.cluster\.advertiseUrl/,
    );
    expect(() =>
      parseConfigValue(
        {
          mcpServers: {},
          switchyard: { journal: { redis: { url: 'redis://h:1' } }, cluster: { secret: 'short' } },
        },
        { source: 't', baseDir: '/', env: {} },
      ),
    ).toThrow(/switchyard\.cluster\.secret[\s\S]*at least 32/);
  });
});
