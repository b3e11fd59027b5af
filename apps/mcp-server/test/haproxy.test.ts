/**
 * Switchyard behind HAProxy (issue #20): the HAProxy config shipped in deploy/haproxy.cfg, run by a
 * real `haproxy` (Debian's 2.6) in front of two real gateway nodes sharing a real redis-server. Only
 * the addresses are the test's: the bind address and the server lines point at loopback ports; the
 * health check, stickiness and redispatch rules are the file's own.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../tooling/testing/redis-server.ts';
import { call, echo, initialize, type Node, resultOf, startNode, textOf } from './support/cluster.ts';
import { modernPost } from './support/gateway.ts';
import { type Balancer, serverStates, startHaproxy, untilAsync as until } from './support/haproxy.ts';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** Two nodes on the shared Redis and HAProxy in front of them, for one test (nodes end with it). */
async function cluster(): Promise<{ nodes: Record<string, Node>; balancer: Balancer }> {
  const shared = { url: redis.url, keyPrefix: 'haproxy-test:' };
  const [a, b] = await Promise.all([startNode('A', shared), startNode('B', shared)]);
  const port = (node: Node) => Number(new URL(node.url).port);
  const balancer = await startHaproxy({ 'gateway-1': port(a), 'gateway-2': port(b) });
  balancers.push(balancer);
  return { nodes: { 'gateway-1': a, 'gateway-2': b }, balancer };
}
const balancers: Balancer[] = [];
afterEach(async () => {
  await Promise.all(balancers.splice(0).map((b) => b.stop()));
});

const bothUp = async (balancer: Balancer) => {
  const states = await serverStates(balancer);
  return states['gateway-1'] === 'UP' && states['gateway-2'] === 'UP';
};

describe('behind HAProxy (deploy/haproxy.cfg)', { timeout: 60_000 }, () => {
  it("HAProxy's HTTP check finds both nodes up (/readyz answers its Host-less HTTP/1.0 request)", async () => {
    const { balancer } = await cluster();
    await until('both servers UP', () => bothUp(balancer));
  });

  it('a 2025 session sticks to one node; every answer carries Mcp-Session-Id; after that node is killed the other serves it', async () => {
    const { nodes, balancer } = await cluster();
    await until('both servers UP', () => bothUp(balancer));
    const sid = await initialize(balancer.url, 'haproxy');
    const served = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const answer = await call(balancer.url, sid, 'tools/call', echo(`n${i}`));
      expect(textOf(resultOf(answer))).toBe(`n${i}`);
      expect(answer.headers.get('mcp-session-id')).toBe(sid);
      served.add(answer.headers.get('x-switchyard-node') ?? 'none');
    }
    // Stickiness: all on one node.
    expect(served.size).toBe(1);
    const [first] = served;
    const other = first === 'gateway-1' ? 'gateway-2' : 'gateway-1';
    expect(nodes[first!]).toBeDefined();

    nodes[first!]!.child.kill('SIGKILL');
    await nodes[first!]!.child.exited;
    // The next request fails to connect to the dead node and is redispatched (the file's retries and
    // `option redispatch`), before or after the health check marks it down: the other node restores
    // the session from Redis.
    const after = await call(balancer.url, sid, 'tools/call', echo('after the kill'));
    expect(textOf(resultOf(after))).toBe('after the kill');
    expect(after.headers.get('x-switchyard-node')).toBe(other);
    await until(
      `${first} DOWN`,
      async () => (await serverStates(balancer))[first!]?.startsWith('DOWN') === true,
    );
    // The table learned the new owner from the echoed header: the session stays there.
    for (let i = 0; i < 4; i++) {
      const answer = await call(balancer.url, sid, 'tools/call', echo(`m${i}`));
      expect(textOf(resultOf(answer))).toBe(`m${i}`);
      expect(answer.headers.get('x-switchyard-node')).toBe(other);
    }
    const table = await balancer.admin('show table switchyard');
    // The entry names the new owner (server ids follow the file's order: gateway-1 is 1).
    const entry = table.split('\n').find((line) => line.includes(`key=${sid}`));
    expect(entry, table).toMatch(new RegExp(`server_id=${other === 'gateway-1' ? 1 : 2}\\b`));

    // A 2026-07-28 request needs no session: it is served by the node left.
    const modern = await modernPost(
      balancer.url,
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          ...echo('stateless'),
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      },
      { 'mcp-name': 'fx__echo' },
    );
    const body = (await modern.text()) as string;
    expect(modern.status, body).toBe(200);
    expect(body).toContain('stateless');
  });
});
