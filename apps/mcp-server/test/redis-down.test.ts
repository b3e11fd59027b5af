/**
 * When the cluster's Redis goes down after the gateway started (issue #20): sessions this node holds
 * keep working; a request for a session it would have to read from Redis gets 503 + Retry-After with
 * -32053 at once — never 404, which makes a 2025 client drop a session that may be fine — for POST and
 * GET alike; once Redis is back the node reconnects by itself (an unknown session is 404 again, a new
 * session is shared). Real CLI nodes, a real redis-server stopped and started on the same port.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../tooling/testing/redis-server.ts';
import { call, echo, initialize, resultOf, startNode, textOf } from './support/cluster.ts';

const servers: RedisServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop().catch(() => {})));
});

describe('Redis down after start', { timeout: 90_000 }, () => {
  it('held sessions go on, others get 503 + Retry-After (not 404), and it heals when Redis is back', async () => {
    const redis = await startRedis();
    servers.push(redis);
    const shared = { url: redis.url, keyPrefix: 'down-test:' };
    const [a, b] = await Promise.all([startNode('A', shared), startNode('B', shared)]);
    const sid = await initialize(a.url);
    expect(textOf(resultOf(await call(a.url, sid, 'tools/call', echo('before'))))).toBe('before');

    await redis.stop();
    // A holds the session: it keeps working.
    expect(textOf(resultOf(await call(a.url, sid, 'tools/call', echo('held'))))).toBe('held');
    // B would read it from Redis: "try again", not "gone".
    const onB = await call(b.url, sid, 'tools/call', echo('on B'));
    expect(onB.status, onB.text).toBe(503);
    expect(onB.headers.get('retry-after')).toBe('1');
    expect(JSON.parse(onB.text)).toMatchObject({ id: onB.id, error: { code: -32053 } });
    const get = await fetch(b.url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': sid },
      signal: AbortSignal.timeout(20_000),
    });
    expect(get.status).toBe(503);
    expect(get.headers.get('retry-after')).toBe('1');
    expect(((await get.json()) as { error: { code: number } }).error.code).toBe(-32053);

    // Back on the same port (empty: the test's Redis keeps nothing across a restart).
    servers.push(await startRedis({ port: redis.port }));
    let status = 503;
    for (let i = 0; i < 75 && status === 503; i++) {
      status = (await call(b.url, sid, 'tools/list')).status;
      if (status === 503) await Bun.sleep(200);
    }
    // Reachable again, and the record did not survive this Redis's restart: now truly not found.
    expect(status).toBe(404);
    // A session made now is shared again: B serves what A started.
    const fresh = await initialize(a.url);
    expect(textOf(resultOf(await call(b.url, fresh, 'tools/call', echo('shared again'))))).toBe(
      'shared again',
    );
  });
});
