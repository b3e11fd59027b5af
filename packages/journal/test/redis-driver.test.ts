/**
 * What the Redis driver adds to the contract (contract.test.ts runs that against it too): several
 * nodes on one Redis see each other's sessions and events, the keys are laid out and expire as the
 * README says, and the connection is opened, checked and closed as documented. A real
 * redis-server, started here on a free port.
 */
import { RedisClient } from 'bun';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../tooling/testing/redis-server.ts';
import {
  createJournal,
  isJournalInvalidEventIdError,
  isJournalInvalidInputError,
  isJournalOpenError,
  type Journal,
  type RedisDriverOptions,
  redisDriver,
} from '../src/index.ts';
import { ManualClock, rejection } from './helpers.ts';

let redis: RedisServer;
let prefixes = 0;
/** A key prefix no other case uses. */
const freshPrefix = () => `driver-test:${++prefixes}:`;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

async function node(options: Partial<RedisDriverOptions> & { keyPrefix: string }, clock?: ManualClock) {
  return createJournal({ driver: redisDriver({ url: redis.url, ...options }), clock });
}

describe('redis driver: several nodes on one Redis', () => {
  let a: Journal;
  let b: Journal;
  const clock = new ManualClock();
  beforeAll(async () => {
    const keyPrefix = freshPrefix();
    // Two journals with their own connections: two gateway nodes.
    a = await node({ keyPrefix }, clock);
    b = await node({ keyPrefix }, clock);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it("sees the other node's sessions, events and changes", async () => {
    const created = await a.createSession({
      id: 'shared',
      principal: 'alice',
      protocolVersion: '2025-11-25',
      state: { logLevel: 'info' },
    });
    expect(await b.getSession('shared')).toEqual(created);
    const first = await a.append('shared-get', '{"n":1}', { sessionId: 'shared' });
    await a.append('shared-get', '{"n":2}');
    expect((await b.readAfter('shared-get')).map((e) => e.data)).toEqual(['{"n":1}', '{"n":2}']);
    // B continues the stream where A left it; A replays B's event after its own.
    expect(await b.append('shared-get', '{"n":3}')).toBe('shared-get#3');
    expect((await a.readAfter('shared-get', 'shared-get#2')).map((e) => e.data)).toEqual(['{"n":3}']);

    clock.advance(1000);
    await b.touchSession('shared');
    await b.updateSessionState('shared', { logLevel: 'debug' });
    expect(await a.getSession('shared')).toMatchObject({
      lastSeenAt: clock.time,
      state: { logLevel: 'debug' },
    });

    expect(await b.deleteSession('shared')).toBe(true);
    expect(await a.getSession('shared')).toBeUndefined();
    const error = await rejection(a.readAfter('shared-get', first));
    expect(isJournalInvalidEventIdError(error) && error.reason).toBe('unknown-stream');
  });

  it('lands concurrent changes of different keys made on both nodes', async () => {
    await a.createSession({ id: 'binds', protocolVersion: '2025-11-25' });
    const writes: Array<Promise<unknown>> = [];
    for (let i = 0; i < 20; i++) {
      const on = i % 2 === 0 ? a : b;
      writes.push(on.bindSession('binds', `backend-${i}`, `worker-${i}`));
      writes.push(on.updateSessionState('binds', { [`key-${i}`]: i }));
      writes.push(on.touchSession('binds'));
    }
    await Promise.all(writes);
    const session = await b.getSession('binds');
    expect(Object.keys(session?.bindings ?? {})).toHaveLength(20);
    expect(session?.bindings['backend-13']).toBe('worker-13');
    expect(Object.keys(session?.state ?? {})).toHaveLength(20);
    expect(session?.state['key-7']).toBe(7);
  });

  it('numbers events appended to one stream by both nodes at once without a gap or a duplicate', async () => {
    const ids = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).append('busy', `{"i":${i}}`)),
    );
    expect(new Set(ids).size).toBe(100);
    const events = await a.readAfter('busy');
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(new Set(events.map((e) => e.data)).size).toBe(100);
  });

  it('keeps journals with different key prefixes apart', async () => {
    const other = await node({ keyPrefix: freshPrefix() }, clock);
    try {
      await a.createSession({ id: 'mine', protocolVersion: '2025-11-25' });
      expect(await other.getSession('mine')).toBeUndefined();
      expect(await other.readAfter('busy')).toEqual([]);
    } finally {
      await other.close();
    }
  });
});

describe('redis driver: keys and expiry', () => {
  it('keeps a session as a hash whose key outlives its expiry by the grace, and events in a stream', async () => {
    const keyPrefix = freshPrefix();
    const journal = await node({ keyPrefix, expiryGraceMs: 5_000 });
    try {
      await journal.createSession({ id: 's', protocolVersion: '2025-11-25', ttlMs: 60_000 });
      await journal.createSession({ id: 'forever', protocolVersion: '2025-11-25', ttlMs: null });
      await journal.append('s-1', '{}', { sessionId: 's' });
      const send = (command: string, ...args: string[]) => redis.client.send(command, args);
      expect(await send('TYPE', `${keyPrefix}session:s`)).toBe('hash');
      expect(await send('TYPE', `${keyPrefix}stream:s-1`)).toBe('stream');
      expect(await send('SMEMBERS', `${keyPrefix}session-streams:s`)).toEqual(['s-1']);
      const ttl = Number(await send('PTTL', `${keyPrefix}session:s`));
      expect(ttl).toBeGreaterThan(60_000);
      expect(ttl).toBeLessThanOrEqual(65_000);
      expect(Number(await send('PTTL', `${keyPrefix}session:forever`))).toBe(-1);
    } finally {
      await journal.close();
    }
  });

  it('lets Redis drop a session nobody sweeps; expireSessions still deletes its streams', async () => {
    const keyPrefix = freshPrefix();
    // The real clock: Redis's own expiry and the journal's agree.
    const journal = await node({ keyPrefix, expiryGraceMs: 0 });
    try {
      await journal.createSession({ id: 'brief', protocolVersion: '2025-11-25', ttlMs: 100 });
      await journal.append('brief-1', '{"x":1}', { sessionId: 'brief' });
      const exists = async () => Number(await redis.client.send('EXISTS', [`${keyPrefix}session:brief`]));
      expect(await exists()).toBe(1);
      const deadline = Date.now() + 3000;
      while ((await exists()) === 1 && Date.now() < deadline) await Bun.sleep(20);
      expect(await exists()).toBe(0);
      expect(await journal.getSession('brief')).toBeUndefined();
      // Its stream outlives the key until a node sweeps.
      expect(await journal.readAfter('brief-1')).toHaveLength(1);
      expect(await journal.expireSessions()).toBe(1);
      expect(await journal.readAfter('brief-1')).toEqual([]);
      expect(Number(await redis.client.send('EXISTS', [`${keyPrefix}stream:brief-1`]))).toBe(0);
      expect((await journal.retain()).bytesAfter).toBe(0);
    } finally {
      await journal.close();
    }
  });

  it('filters audit entries in Redis, across script calls, and reads entries written before the filter fields', async () => {
    const keyPrefix = freshPrefix();
    const clock = new ManualClock();
    const journal = await node({ keyPrefix }, clock);
    try {
      // An entry in the old layout (no t / s fields): the script decodes its JSON to filter it.
      const old = { time: 5, sessionId: 'needle', method: 'tools/list', durationMs: 1, outcome: 'ok' };
      await redis.client.send('INCR', [`${keyPrefix}audit-seq`]);
      await redis.client.send('XADD', [`${keyPrefix}audit`, '1-0', 'j', JSON.stringify(old), 'n', '0']);
      // More entries than one script call reads (2,000), the matches near the end.
      for (let i = 0; i < 2_400; i += 400) {
        await Promise.all(
          Array.from({ length: 400 }, (_, k) =>
            journal.audit({
              sessionId: 'hay',
              method: 'tools/call',
              durationMs: 1,
              outcome: 'ok',
              time: 10 + i + k,
            }),
          ),
        );
      }
      await journal.audit({
        sessionId: 'needle',
        method: 'tools/call',
        durationMs: 1,
        outcome: 'ok',
        time: 5_000,
      });
      await journal.audit({ method: 'ping', durationMs: 1, outcome: 'ok', time: 5_001 });
      const needles = await journal.queryAudit({ sessionId: 'needle' });
      expect(needles.map((r) => [r.id, r.method, r.time])).toEqual([
        [1, 'tools/list', 5],
        [2_402, 'tools/call', 5_000],
      ]);
      expect(needles[0]).toMatchObject({ clientId: null, decision: null, rule: null });
      expect((await journal.queryAudit({ since: 2_410 })).map((r) => r.method)).toEqual([
        'tools/call',
        'ping',
      ]);
      expect((await journal.queryAudit({ until: 11 })).map((r) => r.time)).toEqual([5, 10]);
      expect(await journal.queryAudit({ sessionId: 'needle', afterId: 1, limit: 1 })).toHaveLength(1);
      expect(await journal.queryAudit({ sessionId: 'nobody' })).toEqual([]);
      // A session's export goes through the same filter.
      const exported: string[] = [];
      for await (const line of journal.export({ sessionId: 'needle' })) exported.push(line);
      expect(exported.map((l) => JSON.parse(l).type)).toEqual(['audit', 'audit']);
    } finally {
      await journal.close();
    }
  });

  it('loads its scripts again after Redis forgot them (SCRIPT FLUSH, a restarted server)', async () => {
    const journal = await node({ keyPrefix: freshPrefix() });
    try {
      await journal.append('s', '{"before":1}');
      await redis.client.send('SCRIPT', ['FLUSH']);
      expect(await journal.append('s', '{"after":2}')).toBe('s#2');
      expect(await journal.readAfter('s')).toHaveLength(2);
    } finally {
      await journal.close();
    }
  });
});

describe('redis driver: connection and options', () => {
  it('leaves a client it was given open', async () => {
    const client = new RedisClient(redis.url);
    try {
      const journal = await createJournal({ driver: redisDriver({ client, keyPrefix: freshPrefix() }) });
      expect(journal.driver).toBe('redis');
      await journal.append('s', '{}');
      await journal.close();
      expect(await client.send('PING', [])).toBe('PONG');
    } finally {
      client.close();
    }
  });

  it('fails to open with JournalOpenError when no Redis answers, without showing the password', async () => {
    // The server's port, after a server that is stopped: nothing listens there.
    const stopped = await startRedis();
    const { port } = stopped;
    await stopped.stop();
    const error = await rejection(
      createJournal({
        driver: redisDriver({ url: `redis://user:s3cret@127.0.0.1:${port}`, connectTimeoutMs: 1000 }),
      }),
    );
    expect(isJournalOpenError(error), String(error)).toBe(true);
    expect(String(error)).toContain(`127.0.0.1:${port}`);
    expect(String(error)).not.toContain('s3cret');
  });

  it('refuses bad options with typed errors naming the field', () => {
    const cases: Array<[string, () => unknown]> = [
      ['redis url', () => redisDriver({})],
      ['redis url', () => redisDriver({ url: redis.url, client: redis.client })],
      ['redis url', () => redisDriver({ url: 'http://127.0.0.1:6379' })],
      ['redis client', () => redisDriver({ client: {} as never })],
      ['keyPrefix', () => redisDriver({ url: redis.url, keyPrefix: 'x'.repeat(300) })],
      ['expiryGraceMs', () => redisDriver({ url: redis.url, expiryGraceMs: -1 })],
      ['connectTimeoutMs', () => redisDriver({ url: redis.url, connectTimeoutMs: 0 })],
    ];
    for (const [field, make] of cases) {
      let error: unknown;
      try {
        make();
      } catch (e) {
        error = e;
      }
      expect(isJournalInvalidInputError(error), field).toBe(true);
      expect((error as { field: string }).field).toBe(field);
    }
  });
});
