/**
 * Session leases on a real redis-server (issue #20): one owner at a time, renewals, a lapsed lease
 * taken with a new epoch, compare-and-set takeover of a dead owner, release; writes of a node
 * whose lease was taken over are fenced off; stores one process holds have none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../tooling/testing/redis-server.ts';
import {
  createJournal,
  isJournalFencedError,
  type Journal,
  memoryDriver,
  redisDriver,
  splitDriver,
} from '../src/index.ts';

let redis: RedisServer;
let a: Journal;
let b: Journal;
const A = { id: 'node-a', url: 'http://127.0.0.1:1/mcp' };
const B = { id: 'node-b', url: 'http://127.0.0.1:2/mcp' };
const C = { id: 'node-c', url: 'http://127.0.0.1:3/mcp' };

beforeAll(async () => {
  redis = await startRedis();
  a = await createJournal({ driver: redisDriver({ url: redis.url, keyPrefix: 'leases:' }) });
  // B shares sessions through Redis but keeps its audit elsewhere: the leases are the sessions' store's.
  b = await createJournal({
    driver: splitDriver({
      sessions: redisDriver({ url: redis.url, keyPrefix: 'leases:' }),
      audit: memoryDriver(),
    }),
  });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await redis?.stop();
});

describe('session leases (redis)', () => {
  it('one owner at a time; the owner renews; another node sees who owns it', async () => {
    const first = await a.leases!.claim('s1', A, 10_000);
    expect(first).toEqual({ mine: true, owner: A, epoch: 1 });
    const other = await b.leases!.claim('s1', B, 10_000);
    expect(other).toEqual({ mine: false, owner: A, epoch: 1 });
    expect(await b.leases!.get('s1', B)).toEqual({ mine: false, owner: A, epoch: 1 });
    // Claiming again is renewing: same epoch.
    expect(await a.leases!.claim('s1', A, 10_000)).toEqual({ mine: true, owner: A, epoch: 1 });
    expect(await a.leases!.renew(['s1', 'never-held'], A, 10_000)).toEqual(['never-held']);
  });

  it('a lapsed lease is taken by the next node with the next epoch; the old owner learns it lost it', async () => {
    await a.leases!.claim('s2', A, 50);
    await Bun.sleep(120);
    expect(await b.leases!.get('s2', B)).toBeUndefined();
    expect(await b.leases!.claim('s2', B, 10_000)).toEqual({ mine: true, owner: B, epoch: 2 });
    expect(await a.leases!.renew(['s2'], A, 10_000)).toEqual(['s2']);
  });

  it('takeover of an owner found dead is compare-and-set: of two nodes, one wins', async () => {
    await a.leases!.claim('s3', A, 10_000);
    const [byB, byC] = await Promise.all([
      b.leases!.claim('s3', B, 10_000, A.id),
      b.leases!.claim('s3', C, 10_000, A.id),
    ]);
    expect([byB.mine, byC.mine].filter(Boolean)).toHaveLength(1);
    const winner = byB.mine ? B : C;
    expect(byB.owner).toEqual(winner);
    expect(byC.owner).toEqual(winner);
    expect(byB.epoch).toBe(2);
    // Naming the wrong dead owner takes nothing.
    expect((await a.leases!.claim('s3', A, 10_000, 'someone-else')).mine).toBe(false);
  });

  it('release gives it up only for its holder', async () => {
    await a.leases!.claim('s4', A, 10_000);
    await b.leases!.release('s4', B);
    expect((await b.leases!.get('s4', B))?.owner).toEqual(A);
    await a.leases!.release('s4', A);
    expect(await b.leases!.get('s4', B)).toBeUndefined();
    expect(await b.leases!.claim('s4', B, 10_000)).toEqual({ mine: true, owner: B, epoch: 2 });
  });

  it("a node whose lease was taken over cannot write the session any more: its fence's epoch is old", async () => {
    await a.createSession({ id: 's6', protocolVersion: '2025-11-25' });
    expect((await a.leases!.claim('s6', A, 50)).epoch).toBeGreaterThan(0);
    const fenced: string[] = [];
    const off = a.leases!.onFenced((id) => fenced.push(id));
    // A writes while it holds the lease.
    await a.append('s6.r1', '{"n":1}', { sessionId: 's6' });
    expect(await a.touchSession('s6')).toBeDefined();
    // A is paused past its lease; B takes the session (the next epoch).
    await Bun.sleep(120);
    const byB = await b.leases!.claim('s6', B, 10_000);
    expect(byB.mine).toBe(true);
    // A wakes and writes before its renewal tells it: every write of the session is refused.
    const refusals = await Promise.allSettled([
      a.append('s6.r1', '{"n":2}', { sessionId: 's6' }),
      a.touchSession('s6'),
      a.updateSessionState('s6', { late: true }),
      a.deleteSession('s6'),
    ]);
    for (const r of refusals) {
      expect(r.status).toBe('rejected');
      expect(isJournalFencedError((r as PromiseRejectedResult).reason)).toBe(true);
    }
    expect(fenced).toEqual(['s6', 's6', 's6', 's6']);
    // After its renewal says it lost the lease, the refusal stands.
    expect(await a.leases!.renew(['s6'], A, 10_000)).toEqual(['s6']);
    await expect(a.append('s6.r1', '{"n":3}', { sessionId: 's6' })).rejects.toSatisfy(isJournalFencedError);
    // Nothing of A's landed; B writes as the owner; writes of other sessions (unfenced) go on.
    expect((await b.readAfter('s6.r1')).map((e) => e.data)).toEqual(['{"n":1}']);
    await b.append('s6.r1', '{"n":"B"}', { sessionId: 's6' });
    expect((await b.getSession('s6'))?.state).toEqual({});
    await a.append('other.r1', '{}', { sessionId: 'other' });
    // A takes it back later (B gone): a new epoch, A writes again.
    await b.leases!.release('s6', B);
    expect((await a.leases!.claim('s6', A, 10_000)).mine).toBe(true);
    await a.append('s6.r1', '{"n":4}', { sessionId: 's6' });
    expect((await b.readAfter('s6.r1')).map((e) => e.data)).toEqual(['{"n":1}', '{"n":"B"}', '{"n":4}']);
    off();
  });

  it('bad input is refused by name; a store one process holds has no leases', async () => {
    await expect(a.leases!.claim('s5', { id: '', url: A.url }, 1_000)).rejects.toThrow(/node\.id/);
    await expect(a.leases!.claim('s5', { id: 'x', url: 'not a url' }, 1_000)).rejects.toThrow(/node\.url/);
    await expect(a.leases!.claim('s5', A, 0)).rejects.toThrow(/ttlMs/);
    const local = await createJournal({ driver: memoryDriver() });
    expect(local.leases).toBeUndefined();
    await local.close();
  });
});
