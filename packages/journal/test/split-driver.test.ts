/**
 * What the split driver adds to the contract (contract.test.ts runs that against redis + sqlite):
 * each record lands in the store that holds its kind — sessions and events in Redis, where another
 * node finds them; audit entries in the node's SQLite file, where no other node does — and a store
 * that fails to open does not leave the other one open. A real redis-server on a free port.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../tooling/testing/redis-server.ts';
import {
  createJournal,
  isJournalInvalidInputError,
  redisDriver,
  splitDriver,
  sqliteDriver,
} from '../src/index.ts';
import { rejection, tempDir } from './helpers.ts';

let redis: RedisServer;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** The number of clients connected to the test's redis-server (its own included). */
async function connectedClients(): Promise<number> {
  const list = String(await redis.client.send('CLIENT', ['LIST']));
  return list.split('\n').filter((line) => line.trim() !== '').length;
}

describe("split driver: sessions and events in Redis, audit in each node's SQLite", () => {
  it('puts each record in its store: two nodes share sessions and events, not audit', async () => {
    const dir = tempDir();
    const keyPrefix = 'split-test:routing:';
    const node = (file: string) =>
      createJournal({
        driver: splitDriver({
          sessions: redisDriver({ url: redis.url, keyPrefix }),
          audit: sqliteDriver({ path: dir.file(file) }),
        }),
      });
    const a = await node('a.db');
    const b = await node('b.db');
    try {
      expect(a.driver).toBe('redis+sqlite');
      await a.createSession({ id: 's1', protocolVersion: '2025-11-25', principal: 'alice' });
      const first = await a.append('s1:get', '{"n":1}', { sessionId: 's1' });
      await a.audit({ sessionId: 's1', method: 'tools/call', durationMs: 3, outcome: 'ok' });
      await a.flush();

      // Node B finds A's session and events …
      expect((await b.getSession('s1'))?.principal).toBe('alice');
      expect((await b.readAfter('s1:get')).map((e) => e.id)).toEqual([first]);
      // … but not A's audit, which is in A's file only.
      expect(await b.queryAudit({ sessionId: 's1' })).toEqual([]);
      expect((await a.queryAudit({ sessionId: 's1' })).map((r) => r.method)).toEqual(['tools/call']);

      // In Redis: the session and its stream, no audit key.
      const keys = ((await redis.client.send('KEYS', [`${keyPrefix}*`])) as string[]).map((k) =>
        k.slice(keyPrefix.length),
      );
      expect(keys).toContain('session:s1');
      expect(keys).toContain('stream:s1:get');
      expect(keys.filter((k) => k.startsWith('audit'))).toEqual([]);
    } finally {
      await a.close();
      await b.close();
    }
    // In A's file: the audit entry, and no session.
    const file = await createJournal({ driver: sqliteDriver({ path: dir.file('a.db'), readonly: true }) });
    try {
      expect(await file.getSession('s1')).toBeUndefined();
      expect((await file.queryAudit()).map((r) => r.method)).toEqual(['tools/call']);
    } finally {
      await file.close();
      dir.remove();
    }
  });

  it('exports a session from both stores in the documented order', async () => {
    const dir = tempDir();
    const journal = await createJournal({
      driver: splitDriver({
        sessions: redisDriver({ url: redis.url, keyPrefix: 'split-test:export:' }),
        audit: sqliteDriver({ path: dir.file('a.db') }),
      }),
    });
    try {
      await journal.createSession({ id: 'x', protocolVersion: '2025-11-25' });
      await journal.audit({ sessionId: 'x', method: 'tools/list', durationMs: 1, outcome: 'ok' });
      await journal.append('x:1', '{}', { sessionId: 'x' });
      const types: string[] = [];
      for await (const line of journal.export({ sessionId: 'x' })) types.push(JSON.parse(line).type);
      expect(types).toEqual(['session', 'event', 'audit']);
    } finally {
      await journal.close();
      dir.remove();
    }
  });

  it('closes the sessions store when the audit store cannot open', async () => {
    const dir = tempDir();
    // A directory where the SQLite file should be: the audit store cannot open.
    mkdirSync(dir.file('taken.db'));
    const before = await connectedClients();
    const error = await rejection(
      createJournal({
        driver: splitDriver({
          sessions: redisDriver({ url: redis.url, keyPrefix: 'split-test:open:' }),
          audit: sqliteDriver({ path: dir.file('taken.db') }),
        }),
      }),
    );
    expect(error).toBeInstanceOf(Error);
    // The Redis connection the sessions store made is gone again (closing is asynchronous on the server).
    const deadline = Date.now() + 3000;
    while ((await connectedClients()) > before && Date.now() < deadline) await Bun.sleep(20);
    expect(await connectedClients()).toBe(before);
    dir.remove();
  });

  it('refuses options that are not two drivers, naming the part', () => {
    for (const [options, field] of [
      [undefined, 'split options'],
      [{ audit: sqliteDriver({ path: ':memory:' }) }, 'sessions'],
      [{ sessions: sqliteDriver({ path: ':memory:' }), audit: {} }, 'audit'],
    ] as const) {
      let thrown: unknown;
      try {
        splitDriver(options as never);
      } catch (e) {
        thrown = e;
      }
      expect(isJournalInvalidInputError(thrown)).toBe(true);
      expect((thrown as { field: string }).field).toBe(field);
    }
  });
});
