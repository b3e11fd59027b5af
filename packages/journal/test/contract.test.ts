/**
 * The journal contract, run against every driver: what a caller may rely on whichever store is
 * behind it.
 */
import { basename } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../tooling/testing/redis-server.ts';
import {
  createJournal,
  type ExportRecord,
  isJournalClosedError,
  isJournalConflictError,
  isJournalInvalidEventIdError,
  isJournalInvalidInputError,
  isJournalPayloadTooLargeError,
  type Journal,
  type JournalDriver,
  type JournalOptions,
  memoryDriver,
  redisDriver,
  splitDriver,
  sqliteDriver,
} from '../src/index.ts';
import { ManualClock, noise, rejection, tempDir } from './helpers.ts';

interface DriverCase {
  /** The driver's name, as the journal reports it. */
  name: string;
  /** How the case is shown. */
  label: string;
  make(dir: ReturnType<typeof tempDir>): JournalDriver;
  /** Starts what the driver needs (a real redis-server), once for its cases; `teardown` stops it. */
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
  /** Whether reopening the journal finds what was written before (a file, a server). */
  durable: boolean;
}

let redis: RedisServer | undefined;

const drivers: DriverCase[] = [
  { name: 'memory', label: 'memory', make: () => memoryDriver(), durable: false },
  {
    name: 'sqlite',
    label: 'sqlite',
    make: (dir) => sqliteDriver({ path: dir.file('journal.db') }),
    durable: true,
  },
  {
    name: 'sqlite',
    label: 'sqlite (writer thread)',
    make: (dir) => sqliteDriver({ path: dir.file('journal.db'), writer: 'thread' }),
    durable: true,
  },
  {
    // A real redis-server, one for the file; each case has its own key prefix (named after its
    // temporary directory, so reopening the same directory reopens the same journal).
    name: 'redis',
    label: 'redis',
    make: (dir) => {
      if (!redis) throw new Error('redis-server was not started');
      return redisDriver({ url: redis.url, keyPrefix: `contract:${basename(dir.path)}:` });
    },
    setup: async () => {
      redis = await startRedis();
    },
    teardown: async () => {
      await redis?.stop();
      redis = undefined;
    },
    durable: true,
  },
  {
    // What a gateway node of a cluster opens: sessions and events on the shared redis-server (its
    // own, like the case above), audit in the node's SQLite file.
    name: 'redis+sqlite',
    label: 'split (redis sessions + sqlite audit)',
    make: (dir) => {
      if (!redis) throw new Error('redis-server was not started');
      return splitDriver({
        sessions: redisDriver({ url: redis.url, keyPrefix: `contract-split:${basename(dir.path)}:` }),
        audit: sqliteDriver({ path: dir.file('audit.db') }),
      });
    },
    setup: async () => {
      redis = await startRedis();
    },
    teardown: async () => {
      await redis?.stop();
      redis = undefined;
    },
    durable: true,
  },
];

describe.each(drivers)('journal contract: $label driver', ({ name, make, setup, teardown, durable }) => {
  let dir: ReturnType<typeof tempDir>;
  let clock: ManualClock;
  let journal: Journal;
  const open = async (options: Partial<JournalOptions> = {}) => {
    journal = await createJournal({ driver: make(dir), clock, ...options });
    return journal;
  };

  beforeAll(async () => {
    await setup?.();
  });
  afterAll(async () => {
    await teardown?.();
  });
  beforeEach(async () => {
    dir = tempDir();
    clock = new ManualClock();
    await open();
  });
  afterEach(async () => {
    await journal.close();
    dir.remove();
  });

  it('names its driver', () => {
    expect(journal.driver).toBe(name);
  });

  describe('sessions', () => {
    it('creates, gets, touches, binds and deletes a session', async () => {
      const created = await journal.createSession({
        id: 'sess-1',
        principal: 'alice',
        protocolVersion: '2025-06-18',
        clientInfo: { name: 'inspector', version: '1.2.0' },
        bindings: { github: 'github-w1' },
        ttlMs: 60_000,
      });
      expect(created).toEqual({
        id: 'sess-1',
        principal: 'alice',
        protocolVersion: '2025-06-18',
        clientInfo: { name: 'inspector', version: '1.2.0' },
        bindings: { github: 'github-w1' },
        state: {},
        createdAt: clock.time,
        lastSeenAt: clock.time,
        ttlMs: 60_000,
        expiresAt: clock.time + 60_000,
      });
      expect(await journal.getSession('sess-1')).toEqual(created);

      clock.advance(10_000);
      const touched = await journal.touchSession('sess-1');
      expect(touched?.lastSeenAt).toBe(clock.time);
      expect(touched?.expiresAt).toBe(clock.time + 60_000);

      const [a, b] = await Promise.all([
        journal.bindSession('sess-1', 'fs', 'fs-w2'),
        journal.bindSession('sess-1', 'db', 'db-w3'),
      ]);
      expect(a?.bindings.fs).toBe('fs-w2');
      expect(b?.bindings).toEqual({ github: 'github-w1', fs: 'fs-w2', db: 'db-w3' });
      const unbound = await journal.bindSession('sess-1', 'github', null);
      expect(unbound?.bindings).toEqual({ fs: 'fs-w2', db: 'db-w3' });
      expect((await journal.getSession('sess-1'))?.bindings).toEqual({ fs: 'fs-w2', db: 'db-w3' });

      expect(await journal.deleteSession('sess-1')).toBe(true);
      expect(await journal.getSession('sess-1')).toBeUndefined();
      expect(await journal.deleteSession('sess-1')).toBe(false);
      expect(await journal.touchSession('sess-1')).toBeUndefined();
    });

    it("keeps a session's state: set at creation, changed key by key, a key removed with null", async () => {
      const s = await journal.createSession({
        id: 'stateful',
        protocolVersion: '2025-11-25',
        state: { capabilities: { sampling: {} }, logLevel: 'info' },
      });
      expect(s.state).toEqual({ capabilities: { sampling: {} }, logLevel: 'info' });
      const [a, b] = await Promise.all([
        journal.updateSessionState('stateful', { logLevel: 'debug' }),
        journal.updateSessionState('stateful', { subscriptions: ['fx:file:///a'] }),
      ]);
      expect(a?.state.logLevel).toBe('debug');
      expect(b?.state).toEqual({
        capabilities: { sampling: {} },
        logLevel: 'debug',
        subscriptions: ['fx:file:///a'],
      });
      const removed = await journal.updateSessionState('stateful', { capabilities: null });
      expect(removed?.state).toEqual({ logLevel: 'debug', subscriptions: ['fx:file:///a'] });
      expect((await journal.getSession('stateful'))?.state).toEqual(removed?.state);
      // A returned state is a copy.
      const subscriptions = removed?.state.subscriptions as string[];
      subscriptions.push('changed');
      expect((await journal.getSession('stateful'))?.state.subscriptions).toEqual(['fx:file:///a']);
      expect(await journal.updateSessionState('nobody', { logLevel: 'debug' })).toBeUndefined();
      for (const bad of [null, [], 'x'] as unknown[]) {
        const error = await rejection(journal.updateSessionState('stateful', bad as Record<string, unknown>));
        expect(isJournalInvalidInputError(error), String(bad)).toBe(true);
      }
      const tooBig = await rejection(journal.updateSessionState('stateful', { big: 'x'.repeat(70_000) }));
      expect(String(tooBig)).toContain('state');
    });

    it('gives a session a random id and the default time-to-live when none is given', async () => {
      const s = await journal.createSession({ protocolVersion: '2025-11-25' });
      expect(s.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(s.ttlMs).toBe(30 * 60_000);
      expect(s.principal).toBeNull();
      expect(s.clientInfo).toBeNull();
      expect(s.bindings).toEqual({});
      expect(s.state).toEqual({});
    });

    it('refuses a second session with the same id', async () => {
      await journal.createSession({ id: 'dup', protocolVersion: '2025-06-18' });
      const error = await rejection(journal.createSession({ id: 'dup', protocolVersion: '2025-06-18' }));
      expect(isJournalConflictError(error)).toBe(true);
      expect(String(error)).toContain('"dup" exists already');
    });

    it('returns copies: changing a returned session does not change the journal', async () => {
      const s = await journal.createSession({
        id: 'copy',
        protocolVersion: '2025-06-18',
        clientInfo: { n: 1 },
      });
      s.bindings.x = 'y';
      (s.clientInfo as { n: number }).n = 2;
      const again = await journal.getSession('copy');
      expect(again?.bindings).toEqual({});
      expect(again?.clientInfo).toEqual({ n: 1 });
    });

    it('expires idle sessions, with their streams, and cannot revive them', async () => {
      await journal.createSession({ id: 'short', protocolVersion: '2025-06-18', ttlMs: 1000 });
      await journal.createSession({ id: 'forever', protocolVersion: '2025-06-18', ttlMs: null });
      await journal.append('short-stream', '{"n":1}', { sessionId: 'short' });
      clock.advance(999);
      expect(await journal.getSession('short')).toBeDefined();
      clock.advance(1);
      expect(await journal.getSession('short')).toBeUndefined();
      expect(await journal.touchSession('short')).toBeUndefined();
      expect(await journal.bindSession('short', 'b', 'w')).toBeUndefined();
      expect(await journal.expireSessions()).toBe(1);
      expect(await journal.expireSessions()).toBe(0);
      expect(await journal.getSession('forever')).toMatchObject({ expiresAt: null });
      expect(await journal.readAfter('short-stream')).toEqual([]);
    });

    it('lists the sessions not expired, newest created first, at most limit', async () => {
      const t0 = clock.time;
      await journal.createSession({ id: 'oldest', protocolVersion: '2025-03-26', ttlMs: null });
      clock.advance(10);
      await journal.createSession({ id: 'short', protocolVersion: '2025-06-18', ttlMs: 1000 });
      clock.advance(10);
      // Two created at the same instant: the greater id first.
      await journal.createSession({ id: 'tie-a', protocolVersion: '2025-06-18', ttlMs: 60_000 });
      await journal.createSession({
        id: 'tie-b',
        principal: 'alice',
        protocolVersion: '2025-11-25',
        clientInfo: { name: 'inspector', version: '1.0.0' },
        bindings: { fs: 'bound' },
        state: { logLevel: 'debug' },
        ttlMs: 60_000,
      });
      clock.advance(10);
      await journal.createSession({ id: 'gone', protocolVersion: '2025-06-18' });
      await journal.deleteSession('gone');
      const ids = async (query?: Parameters<Journal['listSessions']>[0]) =>
        (await journal.listSessions(query)).map((s) => s.id);
      expect(await ids()).toEqual(['tie-b', 'tie-a', 'short', 'oldest']);
      // Whole records, as getSession returns them.
      const [newest] = await journal.listSessions({ limit: 1 });
      expect(newest).toEqual(await journal.getSession('tie-b'));
      expect(newest).toMatchObject({
        bindings: { fs: 'bound' },
        state: { logLevel: 'debug' },
        createdAt: t0 + 20,
      });
      expect(await ids({ limit: 3 })).toEqual(['tie-b', 'tie-a', 'short']);
      // Expired by the journal's clock: left out (and the limit counts only what is listed).
      clock.advance(1000 - 10);
      await journal.touchSession('tie-a');
      expect(await ids({ limit: 3 })).toEqual(['tie-b', 'tie-a', 'oldest']);
      expect(await ids({ seenSince: clock.time })).toEqual(['tie-a']);
      // A session changed or created just now is listed as it is now (buffered writes included).
      await journal.createSession({ id: 'newest', protocolVersion: '2025-06-18' });
      await journal.bindSession('tie-a', 'github', 'bound');
      const listed = await journal.listSessions({ limit: 2 });
      expect(listed.map((s) => s.id)).toEqual(['newest', 'tie-b']);
      expect((await journal.listSessions()).find((s) => s.id === 'tie-a')?.bindings).toEqual({
        github: 'bound',
      });
      // Copies: changing one changes nothing stored.
      listed[1]!.bindings.x = 'y';
      expect((await journal.getSession('tie-b'))?.bindings).toEqual({ fs: 'bound' });
    });

    it('lists past one page of sessions', async () => {
      for (let i = 0; i < 520; i++) {
        await journal.createSession({ id: `s${String(i).padStart(4, '0')}`, protocolVersion: '2025-06-18' });
        clock.advance(1);
      }
      const all = await journal.listSessions({ limit: 10_000 });
      expect(all).toHaveLength(520);
      expect(all[0]!.id).toBe('s0519');
      expect(all.at(-1)!.id).toBe('s0000');
      expect((await journal.listSessions({ limit: 510 })).at(-1)!.id).toBe('s0010');
    });

    it('deleting a session deletes its streams but keeps its audit entries', async () => {
      await journal.createSession({ id: 's', protocolVersion: '2025-06-18' });
      const first = await journal.append('s-get', '{"a":1}', { sessionId: 's' });
      await journal.append('other', '{"b":2}');
      await journal.audit({ sessionId: 's', method: 'tools/call', durationMs: 1, outcome: 'ok' });
      await journal.deleteSession('s');
      expect(await journal.readAfter('s-get')).toEqual([]);
      const error = await rejection(journal.readAfter('s-get', first));
      expect(isJournalInvalidEventIdError(error) && error.reason).toBe('unknown-stream');
      expect(await journal.readAfter('other')).toHaveLength(1);
      expect(await journal.queryAudit({ sessionId: 's' })).toHaveLength(1);
    });
  });

  describe('stream events', () => {
    it('numbers events per stream and replays what follows a Last-Event-ID', async () => {
      const a1 = await journal.append('a', '{"m":1}');
      const b1 = await journal.append('b', '{"m":"b1"}');
      const a2 = await journal.append('a', '{"m":2}');
      clock.advance(5);
      const a3 = await journal.append('a', '{"m":3}');
      expect([a1, a2, a3, b1]).toEqual(['a#1', 'a#2', 'a#3', 'b#1']);

      const all = await journal.readAfter('a');
      expect(all).toEqual([
        { id: 'a#1', streamId: 'a', seq: 1, time: clock.time - 5, data: '{"m":1}' },
        { id: 'a#2', streamId: 'a', seq: 2, time: clock.time - 5, data: '{"m":2}' },
        { id: 'a#3', streamId: 'a', seq: 3, time: clock.time, data: '{"m":3}' },
      ]);
      expect((await journal.readAfter('a', a1)).map((e) => e.id)).toEqual(['a#2', 'a#3']);
      expect(await journal.readAfter('a', a3)).toEqual([]);
      expect((await journal.readAfter('a', undefined, { limit: 2 })).map((e) => e.seq)).toEqual([1, 2]);
      expect(await journal.readAfter('never-written')).toEqual([]);
    });

    it('keeps any text as it was written', async () => {
      const texts = ['', 'plain', 'ünïcødé ✓ 🚀 中文', '{"nested":{"deep":[1,2,3]}}\n\r\t', noise(70_000)];
      for (const text of texts) await journal.append('text', text);
      expect((await journal.readAfter('text')).map((e) => e.data)).toEqual(texts);
    });

    it('refuses ids it cannot resume from, saying why', async () => {
      await journal.append('mine', '{}');
      await journal.append('mine', '{}');
      await journal.append('theirs', '{}');
      const cases: Array<[string, string]> = [
        ['theirs#1', 'other-stream'],
        ['garbage', 'malformed'],
        ['mine#', 'malformed'],
        ['mine#0', 'malformed'],
        ['mine#-1', 'malformed'],
        ['mine#01', 'malformed'],
        ['mine#1.5', 'malformed'],
        ['#1', 'malformed'],
        ['mine#99', 'not-issued'],
      ];
      for (const [id, reason] of cases) {
        const error = await rejection(journal.readAfter('mine', id));
        expect(isJournalInvalidEventIdError(error), id).toBe(true);
        expect((error as { reason: string }).reason, id).toBe(reason);
        expect(String(error)).toContain(JSON.stringify(id));
      }
      const unknown = await rejection(journal.readAfter('gone', 'gone#3'));
      expect((unknown as { reason: string }).reason).toBe('unknown-stream');
    });

    it('keeps only the newest events of a stream when maxEventsPerStream is set', async () => {
      await journal.close();
      dir.remove();
      dir = tempDir();
      await open({ retention: { maxEventsPerStream: 3 } });
      const ids: string[] = [];
      for (let i = 1; i <= 7; i++) ids.push(await journal.append('s', `{"i":${i}}`));
      await journal.append('t', '{"other":true}');
      expect((await journal.readAfter('s')).map((e) => e.seq)).toEqual([5, 6, 7]);
      expect((await journal.readAfter('s', ids[3])).map((e) => e.seq)).toEqual([5, 6, 7]);
      const error = await rejection(journal.readAfter('s', ids[2]));
      expect(isJournalInvalidEventIdError(error) && error.reason).toBe('expired');
      expect(await journal.readAfter('t')).toHaveLength(1);
    });
  });

  describe('audit', () => {
    it('records tool calls with their payloads and finds them again', async () => {
      const base = clock.time;
      const call = {
        sessionId: 's1',
        principal: 'alice',
        backend: 'github',
        worker: 'github-w1',
        method: 'tools/call',
        name: 'search_issues',
        durationMs: 12.5,
        outcome: 'ok',
        request: '{"jsonrpc":"2.0","id":1,"method":"tools/call"}',
        response: '{"jsonrpc":"2.0","id":1,"result":{}}',
      } as const;
      await journal.audit(call);
      clock.advance(100);
      await journal.audit({
        sessionId: 's2',
        method: 'tools/list',
        durationMs: 1,
        outcome: 'error',
        error: 'boom',
      });
      clock.advance(100);
      await journal.audit({
        method: 'ping',
        durationMs: 0,
        outcome: 'timeout',
        time: base + 150,
        request: '',
      });

      const all = await journal.queryAudit();
      expect(all.map((r) => r.method)).toEqual(['tools/call', 'tools/list', 'ping']);
      expect(all[0]).toEqual({
        id: all[0]!.id,
        time: base,
        error: null,
        clientId: null,
        decision: null,
        rule: null,
        ...call,
      });
      expect(all[1]).toMatchObject({ error: 'boom', request: null, response: null, backend: null });
      expect(all[2]).toMatchObject({ request: '', time: base + 150 });
      expect(all[0]!.id).toBeLessThan(all[1]!.id);

      expect((await journal.queryAudit({ sessionId: 's2' })).map((r) => r.method)).toEqual(['tools/list']);
      expect((await journal.queryAudit({ since: base + 100 })).map((r) => r.method)).toEqual([
        'tools/list',
        'ping',
      ]);
      expect((await journal.queryAudit({ until: base + 100 })).map((r) => r.method)).toEqual(['tools/call']);
      expect((await journal.queryAudit({ afterId: all[0]!.id, limit: 1 })).map((r) => r.method)).toEqual([
        'tools/list',
      ]);
    });
  });

  describe('audit: the access policy', () => {
    it('keeps the client id, the decision and the rule of each call', async () => {
      await journal.audit({
        principal: 'alice',
        clientId: 'cli-app',
        method: 'tools/call',
        name: 'delete_repo',
        durationMs: 0,
        outcome: 'rejected',
        error: 'denied by policy rule "no-delete"',
        decision: 'denied',
        rule: 'no-delete',
      });
      await journal.audit({
        principal: 'bob',
        method: 'tools/call',
        name: 'search',
        durationMs: 3,
        outcome: 'ok',
        decision: 'allowed',
        rule: null,
      });
      const [denied, allowed] = await journal.queryAudit();
      expect(denied).toMatchObject({ clientId: 'cli-app', decision: 'denied', rule: 'no-delete' });
      expect(allowed).toMatchObject({ clientId: null, decision: 'allowed', rule: null });
      const exported: unknown[] = [];
      for await (const line of journal.export({ since: 0, until: Number.MAX_SAFE_INTEGER }))
        exported.push(JSON.parse(line));
      expect(exported).toContainEqual(expect.objectContaining({ type: 'audit', rule: 'no-delete' }));
    });

    it('refuses a decision it does not know, naming the field', async () => {
      await expect(
        journal.audit({ method: 'm', durationMs: 1, outcome: 'ok', decision: 'maybe' as never }),
      ).rejects.toThrow(/audit\.decision/);
    });
  });

  describe('retention', () => {
    it('deletes what is older than maxAgeMs, idle streams and expired sessions', async () => {
      await journal.close();
      await open({ retention: { maxAgeMs: 10_000 } });
      await journal.createSession({ id: 'old', protocolVersion: '2025-06-18', ttlMs: 5_000 });
      await journal.append('old-stream', '{"old":1}');
      await journal.append('mixed', '{"old":2}');
      await journal.audit({ method: 'old', durationMs: 1, outcome: 'ok' });
      clock.advance(20_000);
      const recent = await journal.append('mixed', '{"new":3}');
      await journal.audit({ method: 'new', durationMs: 1, outcome: 'ok' });

      const report = await journal.retain();
      expect(report).toMatchObject({
        sessionsExpired: 1,
        streamsDeleted: 1,
        eventsDeleted: 2,
        auditDeleted: 1,
      });
      expect(await journal.readAfter('old-stream')).toEqual([]);
      expect((await journal.readAfter('mixed')).map((e) => e.id)).toEqual([recent]);
      expect((await journal.queryAudit()).map((r) => r.method)).toEqual(['new']);
      const again = await journal.retain();
      expect(again).toMatchObject({
        sessionsExpired: 0,
        streamsDeleted: 0,
        eventsDeleted: 0,
        auditDeleted: 0,
      });
    });

    it('runs retention on its own every retention.intervalMs', async () => {
      await journal.close();
      await open({ retention: { maxAgeMs: 1000, intervalMs: 10 } });
      await journal.append('s', '{"old":true}');
      clock.advance(5000);
      const fresh = await journal.append('s', '{"new":true}');
      const deadline = Date.now() + 3000;
      while ((await journal.readAfter('s')).length > 1 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect((await journal.readAfter('s')).map((e) => e.id)).toEqual([fresh]);
    });

    it('deletes the oldest records until the store fits maxBytes', async () => {
      await journal.close();
      // intervalMs: null: no background run (nor one started by the writes) before retain() below.
      await open({ retention: { maxBytes: 1_000_000, intervalMs: null } });
      const ids: string[] = [];
      for (let i = 0; i < 600; i++) {
        clock.advance(1);
        ids.push(await journal.append(`s${i % 3}`, noise(4000, i + 1)));
        if (i % 10 === 0)
          await journal.audit({ method: 'm', durationMs: 1, outcome: 'ok', response: noise(4000, i) });
        if (i % 20 === 19) await journal.flush();
      }
      const report = await journal.retain();
      expect(report.bytesBefore).toBeGreaterThan(2_000_000);
      expect(report.bytesAfter).toBeLessThanOrEqual(1_000_000);
      // Down to the limit, not far below it (SQLite frees space a block of packed payloads at a time).
      expect(report.bytesAfter).toBeGreaterThan(500_000);
      expect(report.eventsDeleted).toBeGreaterThan(300);
      expect(report.eventsDeleted).toBeLessThan(500);
      expect(report.auditDeleted).toBeGreaterThan(0);
      const newest = await journal.readAfter('s2', ids[596]);
      expect(newest.map((e) => e.id)).toEqual([ids[599]]);
      const error = await rejection(journal.readAfter('s0', ids[0]));
      expect(isJournalInvalidEventIdError(error) && error.reason).toBe('expired');
    });
  });

  describe('export', () => {
    const parse = async (lines: AsyncIterable<string>): Promise<ExportRecord[]> => {
      const out: ExportRecord[] = [];
      for await (const line of lines) {
        expect(line.endsWith('\n')).toBe(true);
        expect(line.slice(0, -1)).not.toContain('\n');
        out.push(JSON.parse(line) as ExportRecord);
      }
      return out;
    };

    it('writes one session as JSON lines: the session, its events, its audit entries', async () => {
      await journal.createSession({ id: 'x', protocolVersion: '2025-06-18', principal: 'p' });
      await journal.createSession({ id: 'y', protocolVersion: '2025-06-18' });
      await journal.append('x-b', 'line\nbreak', { sessionId: 'x' });
      await journal.append('x-a', '{"a":1}', { sessionId: 'x' });
      await journal.append('x-a', '{"a":2}');
      await journal.append('y-a', '{"y":1}', { sessionId: 'y' });
      await journal.audit({
        sessionId: 'x',
        method: 'tools/call',
        durationMs: 2,
        outcome: 'ok',
        request: '{}',
      });
      await journal.audit({ sessionId: 'y', method: 'tools/call', durationMs: 2, outcome: 'ok' });

      const records = await parse(journal.export({ sessionId: 'x' }));
      expect(records.map((r) => [r.type, r.id])).toEqual([
        ['session', 'x'],
        ['event', 'x-a#1'],
        ['event', 'x-a#2'],
        ['event', 'x-b#1'],
        ['audit', expect.any(Number)],
      ]);
      expect(records[3]).toMatchObject({ type: 'event', data: 'line\nbreak', streamId: 'x-b', seq: 1 });
      expect(records[4]).toMatchObject({ type: 'audit', sessionId: 'x', request: '{}' });
    });

    it('writes a time range [since, until) in time order', async () => {
      const t0 = clock.time;
      await journal.append('early', '{"e":1}');
      clock.advance(1000);
      await journal.createSession({ id: 'mid', protocolVersion: '2025-06-18' });
      await journal.append('b', '{"b":1}');
      await journal.append('a', '{"a":1}');
      clock.advance(10);
      await journal.append('b', '{"b":2}');
      await journal.audit({ method: 'in-range', durationMs: 1, outcome: 'ok' });
      clock.advance(1000);
      await journal.append('late', '{"l":1}');
      await journal.audit({ method: 'late', durationMs: 1, outcome: 'ok' });

      const records = await parse(journal.export({ since: t0 + 1000, until: t0 + 2000 }));
      expect(records.map((r) => (r.type === 'audit' ? `audit:${r.method}` : `${r.type}:${r.id}`))).toEqual([
        'session:mid',
        'event:a#1',
        'event:b#1',
        'event:b#2',
        'audit:in-range',
      ]);
    });

    it('pages through many records', async () => {
      for (let i = 0; i < 700; i++) await journal.append(`s${i % 2}`, `{"i":${i}}`);
      const records = await parse(journal.export({ since: 0, until: Number.MAX_SAFE_INTEGER }));
      expect(records).toHaveLength(700);
      expect(new Set(records.map((r) => r.id)).size).toBe(700);
    });
  });

  describe('bad input', () => {
    it('refuses malformed ids and arguments with typed errors naming the field', async () => {
      const cases: Array<[string, () => Promise<unknown>]> = [
        ['streamId', () => journal.append('', '{}')],
        ['streamId', () => journal.append('has space', '{}')],
        ['streamId', () => journal.append('x'.repeat(257), '{}')],
        ['streamId', () => journal.append(42 as unknown as string, '{}')],
        ['event data', () => journal.append('s', { not: 'a string' } as unknown as string)],
        ['sessionId', () => journal.getSession('new\nline')],
        ['session.protocolVersion', () => journal.createSession({} as never)],
        [
          'session.clientInfo',
          () => journal.createSession({ protocolVersion: 'v', clientInfo: [] as never }),
        ],
        ['session.ttlMs', () => journal.createSession({ protocolVersion: 'v', ttlMs: -5 })],
        ['backend', () => journal.bindSession('s', '', 'w')],
        ['audit.method', () => journal.audit({ durationMs: 1, outcome: 'ok' } as never)],
        ['audit.outcome', () => journal.audit({ method: 'm', durationMs: 1, outcome: 'fine' as never })],
        ['audit.durationMs', () => journal.audit({ method: 'm', durationMs: Number.NaN, outcome: 'ok' })],
        ['limit', () => journal.readAfter('s', undefined, { limit: 0 })],
        ['query.limit', () => journal.queryAudit({ limit: 1.5 })],
        ['query.limit', () => journal.listSessions({ limit: 0 })],
        ['query.limit', () => journal.listSessions({ limit: 10_001 })],
        ['query.seenSince', () => journal.listSessions({ seenSince: -1 })],
      ];
      for (const [field, call] of cases) {
        const error = await rejection(call());
        expect(isJournalInvalidInputError(error), field).toBe(true);
        expect((error as { field: string }).field, String(error)).toBe(field);
      }
      expect(() => journal.export({ sessionId: '' })).toThrow(/invalid export.sessionId/);
    });

    it('refuses payloads over maxPayloadBytes, counting UTF-8 bytes', async () => {
      await journal.close();
      await open({ maxPayloadBytes: 1000 });
      await journal.append('s', 'x'.repeat(1000));
      const ascii = await rejection(journal.append('s', 'x'.repeat(1001)));
      expect(isJournalPayloadTooLargeError(ascii)).toBe(true);
      expect(ascii).toMatchObject({ field: 'event data', bytes: 1001, limit: 1000 });
      const wide = await rejection(journal.append('s', 'é'.repeat(501)));
      expect(wide).toMatchObject({ bytes: 1002 });
      const response = await rejection(
        journal.audit({ method: 'm', durationMs: 1, outcome: 'ok', response: '🚀'.repeat(300) }),
      );
      expect(response).toMatchObject({ field: 'audit.response', bytes: 1200 });
      expect(String(response)).toContain('audit.response is 1200 bytes, more than');
      expect((await journal.readAfter('s')).map((e) => e.seq)).toEqual([1]);
    });
  });

  describe('close', () => {
    it('flushes, is idempotent, and refuses every call after', async () => {
      await journal.append('s', '{"before":"close"}');
      await Promise.all([journal.close(), journal.close()]);
      await journal.close();
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['createSession', () => journal.createSession({ protocolVersion: 'v' })],
        ['getSession', () => journal.getSession('s')],
        ['touchSession', () => journal.touchSession('s')],
        ['bindSession', () => journal.bindSession('s', 'b', 'w')],
        ['deleteSession', () => journal.deleteSession('s')],
        ['expireSessions', () => journal.expireSessions()],
        ['append', () => journal.append('s', '{}')],
        ['readAfter', () => journal.readAfter('s')],
        ['audit', () => journal.audit({ method: 'm', durationMs: 1, outcome: 'ok' })],
        ['queryAudit', () => journal.queryAudit()],
        ['listSessions', () => journal.listSessions()],
        ['retain', () => journal.retain()],
        ['flush', () => journal.flush()],
      ];
      for (const [method, call] of calls) {
        const error = await rejection(call());
        expect(isJournalClosedError(error), method).toBe(true);
        expect(String(error)).toContain(`${method}() was called after close()`);
      }
      expect(() => journal.export({ since: 0, until: 1 })).toThrow(/export\(\) was called after close\(\)/);

      if (durable) {
        await open();
        expect((await journal.readAfter('s')).map((e) => e.data)).toEqual(['{"before":"close"}']);
      }
    });

    it('stops an export when the journal closes under it', async () => {
      for (let i = 0; i < 600; i++) await journal.append('s', `{"i":${i}}`);
      const lines = journal.export({ since: 0, until: Number.MAX_SAFE_INTEGER })[Symbol.asyncIterator]();
      expect((await lines.next()).done).toBe(false);
      await journal.close();
      const error = await rejection(lines.next());
      expect(isJournalClosedError(error)).toBe(true);
    });
  });
});
