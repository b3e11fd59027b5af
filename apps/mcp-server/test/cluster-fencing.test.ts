/**
 * Write fencing of a paused node (issue #20): two real CLI nodes with `switchyard.cluster` on one
 * real redis-server. Node A owns a session and streams a call's progress into the journal; A is
 * SIGSTOPped past its lease, B takes the session over (the lease's next epoch) and serves it. When A
 * is SIGCONTed, the events its backend produced meanwhile must not reach the session's journal: the
 * store refuses A's writes for the old epoch, A lets its stale copy go, its client's stream ends (it
 * does not hang), and the next request of the session sent to A is served by B.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../tooling/testing/redis-server.ts';
import { call, echo, initialize, readSse, resultOf, startNode, textOf } from './support/cluster.ts';
import { post } from './support/gateway.ts';
import { untilAsync } from './support/haproxy.ts';

const SECRET = 'fencing-test-cluster-secret-0123456789abcdef';
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describe('a paused node is fenced off', { timeout: 90_000 }, () => {
  it('SIGSTOP past the lease, takeover by B, SIGCONT: none of A’s late writes land; A lets the session go', async () => {
    const P = 'fencing-1:';
    const shared = { url: redis.url, keyPrefix: P };
    const options = {
      switchyard: { cluster: { secret: '${CLUSTER_SECRET}', leaseMs: 1_500 } },
      env: { CLUSTER_SECRET: SECRET },
    };
    const [a, b] = await Promise.all([startNode('A', shared, options), startNode('B', shared, options)]);
    const sid = await initialize(a.url, 'A');
    expect(textOf(resultOf(await call(a.url, sid, 'tools/call', echo('on A'))))).toBe('on A');
    const lease = async () =>
      (await redis.client.send('HMGET', [`${P}lease:${sid}`, 'node', 'epoch'])) as (string | null)[];
    const [ownerA, epochA] = await lease();
    expect(ownerA).not.toBeNull();

    // A streams a call: 300 progress notifications 20 ms apart, each journaled before it is sent.
    const streamed = await post(
      a.url,
      {
        jsonrpc: '2.0',
        id: 77,
        method: 'tools/call',
        params: { name: 'fx__count', arguments: { n: 300, intervalMs: 20 }, _meta: { progressToken: 'f' } },
      },
      { 'mcp-session-id': sid },
    );
    expect(streamed.status).toBe(200);
    const reading = readSse(streamed);
    await untilAsync('three events', async () => reading.events.filter((e) => e.data !== '').length >= 3);
    const streamId = reading.events.at(-1)!.id!.replace(/#\d+$/, '');

    // Paused past its lease (its backend runs on and queues progress for it).
    let ownerB: string | null = null;
    a.child.kill('SIGSTOP');
    try {
      await untilAsync(
        "A's lease lapses",
        async () => Number(await redis.client.send('EXISTS', [`${P}lease:${sid}`])) === 0,
        20_000,
      );
      // B serves the session (restored from Redis) and claims it: the next epoch.
      expect(textOf(resultOf(await call(b.url, sid, 'tools/call', echo('on B'))))).toBe('on B');
      const [nowOwner, epochB] = await lease();
      ownerB = nowOwner ?? null;
      expect(ownerB).not.toBe(ownerA);
      expect(Number(epochB)).toBe(Number(epochA) + 1);
      // Something only B's backend knows, to tell later who served a request.
      await call(b.url, sid, 'tools/call', {
        name: 'fx__remember',
        arguments: { key: 'who', value: 'B' },
      });
    } finally {
      a.child.kill('SIGCONT');
    }
    const lastBefore = await redis.client.send('HGET', [`${P}stream-meta:${streamId}`, 'last']);

    // A wakes with its backend's queued progress: its stream ends (none hangs) without writing.
    await reading.done;
    expect(await redis.client.send('HGET', [`${P}stream-meta:${streamId}`, 'last'])).toBe(lastBefore);
    // The journal refused A's late writes, and A let its stale copy go.
    await untilAsync('A told of the refusal', async () => /taken over by another node/.test(a.stderr()));
    // The lease is still B's; a request of the session sent to A is served by B (forwarded).
    expect((await lease())[0]).toBe(ownerB);
    const recalled = await call(a.url, sid, 'tools/call', { name: 'fx__recall', arguments: { key: 'who' } });
    expect(textOf(resultOf(recalled))).toBe('B');
    expect(textOf(resultOf(await call(a.url, sid, 'tools/call', echo('via A'))))).toBe('via A');
    // Nothing A did after waking reached the stream's journal.
    expect(await redis.client.send('HGET', [`${P}stream-meta:${streamId}`, 'last'])).toBe(lastBefore);
  });
});
