/**
 * Retention and deletes at scale on real SQLite files: deleting sessions beside a large audit
 * trail (the foreign-key checks search indexes instead of scanning), retention that runs on its
 * own as soon as a limit is set (on open, then periodically), in short batches, and the size limit.
 */
import { Database } from 'bun:sqlite';
import { statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createJournal,
  DEFAULT_RETENTION_INTERVAL_MS,
  type Journal,
  type JournalOptions,
  RETENTION_WRITE_SHARE,
  type RetentionReport,
  sqliteDriver,
} from '../src/index.ts';
import { ManualClock, noise, tempDir } from './helpers.ts';

const DAY = 24 * 60 * 60_000;

let dir: ReturnType<typeof tempDir>;
let path: string;
let clock: ManualClock;
const opened: Journal[] = [];

async function journalWith(options: Partial<JournalOptions> = {}): Promise<Journal> {
  const journal = await createJournal({ driver: sqliteDriver({ path }), clock, ...options });
  opened.push(journal);
  return journal;
}

function inspect<T>(query: (db: Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return query(db);
  } finally {
    db.close();
  }
}

const countOf = (table: string) =>
  inspect((db) => (db.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n);

/** Resolves with the next `count` reports handed to `onRetention`. */
function reports(): { onRetention: (r: RetentionReport) => void; next: () => Promise<RetentionReport> } {
  const seen: RetentionReport[] = [];
  const waiting: Array<(r: RetentionReport) => void> = [];
  return {
    onRetention: (report) => {
      const waiter = waiting.shift();
      if (waiter) waiter(report);
      else seen.push(report);
    },
    next: () => {
      const ready = seen.shift();
      return ready ? Promise.resolve(ready) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

beforeEach(() => {
  dir = tempDir();
  path = dir.file('journal.db');
  clock = new ManualClock();
});
afterEach(async () => {
  for (const journal of opened.splice(0)) await journal.close();
  vi.useRealTimers();
  dir.remove();
});

describe('deleting beside a large audit trail', () => {
  it('deletes 10 sessions and their events next to 100k audit entries, and closes', {
    timeout: 60_000,
  }, async () => {
    // 100k audit entries, each with a request and a response payload, written straight into the file.
    await (await journalWith()).close();
    opened.pop();
    const db = new Database(path);
    db.transaction(() => {
      db.run(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
        INSERT INTO payloads (id, codec, size, data) SELECT i, 3, 2, CAST('{}' AS BLOB) FROM n`);
      db.run(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
        INSERT INTO audit (time, method, duration_ms, outcome, request_id, response_id)
        SELECT ${clock.time}, 'tools/call', 1, 'ok', 2 * i - 1, 2 * i FROM n`);
    })();
    db.close();

    const journal = await journalWith();
    for (let s = 0; s < 10; s++) {
      await journal.createSession({ id: `s${s}`, protocolVersion: '2025-06-18' });
      for (let e = 0; e < 100; e++)
        await journal.append(`s${s}-stream`, `{"e":${e}}`, { sessionId: `s${s}` });
    }
    await journal.flush();
    expect(countOf('events')).toBe(1000);

    // What a gateway does on SIGTERM: end every session, then close.
    for (let s = 0; s < 10; s++) await journal.deleteSession(`s${s}`);
    await journal.close();

    expect(countOf('sessions')).toBe(0);
    expect(countOf('events')).toBe(0);
    expect(countOf('streams')).toBe(0);
    expect(countOf('audit')).toBe(100_000);
    // Only the audit payloads are left: the events' went with them.
    expect(countOf('payloads')).toBe(200_000);
    const plan = inspect((db) => {
      db.run('PRAGMA foreign_keys = ON');
      return (db.query('EXPLAIN QUERY PLAN DELETE FROM payloads WHERE id = 1').all() as { detail: string }[])
        .map((r) => r.detail)
        .filter((detail) => detail.startsWith('SCAN'));
    });
    expect(plan).toEqual([]);
  });
});

describe('retention by default', () => {
  /** A journal file as a gateway killed `ageMs` ago left it: an expired session, old events and audit. */
  async function leftBehind(ageMs: number, extra = 0): Promise<void> {
    const journal = await journalWith({ sessionTtlMs: 30 * 60_000 });
    await journal.createSession({ id: 'abandoned', protocolVersion: '2025-06-18' });
    await journal.append('abandoned-stream', '{"old":true}', { sessionId: 'abandoned' });
    await journal.append('orphan', '{"old":true}');
    await journal.audit({ sessionId: 'abandoned', method: 'tools/call', durationMs: 1, outcome: 'ok' });
    for (let i = 0; i < extra; i++) await journal.append(`bulk${i % 7}`, `{"i":${i}}`);
    await journal.close();
    opened.pop();
    clock.advance(ageMs);
  }

  it('runs once on open when only maxAgeMs is set, expiring the sessions of a killed gateway', async () => {
    await leftBehind(8 * DAY);
    const { onRetention, next } = reports();
    const journal = await journalWith({ retention: { maxAgeMs: 7 * DAY }, onRetention });
    const report = await next();
    expect(report).toMatchObject({
      sessionsExpired: 1,
      streamsDeleted: 2,
      eventsDeleted: 2,
      auditDeleted: 1,
    });
    expect(await journal.getSession('abandoned')).toBeUndefined();
    expect(await journal.readAfter('orphan')).toEqual([]);
    expect(await journal.queryAudit()).toEqual([]);
  });

  it('then runs every 60 s unless intervalMs says otherwise', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { onRetention, next } = reports();
    const journal = await journalWith({ retention: { maxAgeMs: DAY }, onRetention });
    expect((await next()).eventsDeleted).toBe(0);
    await journal.append('s', '{"old":true}');
    clock.advance(2 * DAY);
    vi.advanceTimersByTime(DEFAULT_RETENTION_INTERVAL_MS - 1);
    await journal.flush();
    expect(await journal.readAfter('s')).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect((await next()).eventsDeleted).toBe(1);
    expect(DEFAULT_RETENTION_INTERVAL_MS).toBe(60_000);
  });

  it('does not run without a limit, nor on its own with intervalMs: null', async () => {
    await leftBehind(8 * DAY);
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { onRetention } = reports();
    const told = vi.fn(onRetention);
    const unlimited = await journalWith({ retention: { maxAgeMs: null, maxBytes: null }, onRetention: told });
    expect(vi.getTimerCount()).toBe(0);
    await unlimited.close();
    const manual = await journalWith({
      retention: { maxAgeMs: 7 * DAY, intervalMs: null },
      onRetention: told,
    });
    expect(vi.getTimerCount()).toBe(0);
    // Nothing ran: the abandoned records are all still there, until retain() is called.
    expect(await manual.queryAudit()).toHaveLength(1);
    expect(await manual.retain()).toMatchObject({ sessionsExpired: 1, auditDeleted: 1 });
    expect(told).not.toHaveBeenCalled();
  });

  it('deletes in batches: more rows than one batch go, and writes made meanwhile stay', async () => {
    await leftBehind(8 * DAY, 2500);
    const { onRetention, next } = reports();
    const journal = await journalWith({ retention: { maxAgeMs: 7 * DAY }, onRetention });
    const fresh = await journal.append('bulk0', '{"new":true}');
    const report = await next();
    expect(report).toMatchObject({ sessionsExpired: 1, eventsDeleted: 2502, auditDeleted: 1 });
    expect((await journal.readAfter('bulk0')).map((e) => e.id)).toEqual([fresh]);
  });

  it('lets the journal close while a run is under way, without an error; the next run goes on', async () => {
    await leftBehind(8 * DAY, 5000);
    const errors: unknown[] = [];
    const journal = await journalWith({ retention: { maxAgeMs: 7 * DAY }, onError: (e) => errors.push(e) });
    await journal.close();
    expect(errors).toEqual([]);
    const left = countOf('events');
    const again = await journalWith({ retention: { maxAgeMs: 7 * DAY, intervalMs: null } });
    expect((await again.retain()).eventsDeleted).toBe(left);
    expect(countOf('events')).toBe(0);
  });

  it('brings a file over maxBytes under it on open, oldest records first', async () => {
    const first = await journalWith();
    for (let i = 0; i < 400; i++) {
      clock.advance(1);
      await first.append(`s${i % 4}`, noise(5000, i + 1));
      if (i % 50 === 49) await first.flush();
    }
    await first.close();
    opened.pop();
    const { onRetention, next } = reports();
    const journal = await journalWith({ retention: { maxBytes: 1_000_000 }, onRetention });
    const report = await next();
    expect(report.bytesBefore).toBeGreaterThan(1_500_000);
    expect(report.bytesAfter).toBeLessThanOrEqual(1_000_000);
    expect(report.eventsDeleted).toBeGreaterThan(100);
    expect(report.eventsDeleted).toBeLessThan(400);
    // The newest survive, the oldest went.
    const kept = await journal.readAfter('s3', undefined, { limit: 1000 });
    expect(kept.at(-1)?.seq).toBe(100);
    expect((await journal.readAfter('s0', undefined, { limit: 1000 }))[0]?.seq).toBeGreaterThan(1);
  });
});

describe('the size limit under a steady writer', () => {
  const MAX = 2_000_000;
  /** Bytes on disk: the database file and its WAL. */
  const onDisk = () => {
    const size = (p: string) => {
      try {
        return statSync(p).size;
      } catch {
        return 0;
      }
    };
    return size(path) + size(`${path}-wal`);
  };

  it('keeps the file and its WAL near maxBytes while five times as much is written', {
    timeout: 60_000,
  }, async () => {
    // The period is far away: only the runs the writes start can keep the file near its limit.
    const { onRetention } = reports();
    let runs = 0;
    const journal = await journalWith({
      retention: { maxBytes: MAX, intervalMs: 3_600_000 },
      onRetention: (r) => {
        runs++;
        onRetention(r);
      },
    });
    let peak = 0;
    const total = 5 * MAX;
    const size = 5000;
    for (let i = 0; i < total / size; i++) {
      clock.advance(1);
      await journal.append(`s${i % 4}`, noise(size, i + 1));
      // As a server's event loop does between requests: a loop of awaited commits alone never lets
      // the timers in, and a run yields to the writer between its batches on a timer.
      await new Promise((r) => setTimeout(r, 0));
      if (i % 20 === 19) {
        await journal.flush();
        peak = Math.max(peak, onDisk());
      }
    }
    // A run every tenth of the limit written (one at open): without them the file would hold all 10 MB.
    expect(runs).toBeGreaterThan(5);
    expect(RETENTION_WRITE_SHARE).toBe(0.1);
    // Generous: a run takes its time while the writes go on; the bound is what matters, not its tightness.
    expect(peak).toBeLessThan(2 * MAX);
    expect(onDisk()).toBeLessThan(2 * MAX);
  });

  it('retain() brings the file and its WAL on disk under maxBytes, leaving room for the WAL', async () => {
    const journal = await journalWith({ retention: { maxBytes: MAX, intervalMs: null } });
    for (let i = 0; i < 1000; i++) {
      clock.advance(1);
      await journal.append(`s${i % 4}`, noise(5000, i + 1));
      if (i % 10 === 0)
        await journal.audit({ method: 'tools/call', durationMs: 1, outcome: 'ok', response: noise(3000, i) });
    }
    await journal.flush();
    expect(onDisk()).toBeGreaterThan(2 * MAX);
    const report = await journal.retain();
    // Retention checkpoints with TRUNCATE: what is left is the file, at most the limit less the
    // room kept for the WAL (a quarter of this small limit), and no far below it.
    expect(statSync(`${path}-wal`).size).toBe(0);
    expect(onDisk()).toBe(report.bytesAfter);
    expect(onDisk()).toBeLessThanOrEqual(MAX * 0.75);
    expect(onDisk()).toBeGreaterThan(MAX * 0.5);
    // Writes resume; the next run brings it back again.
    for (let i = 0; i < 200; i++) await journal.append('s0', noise(5000, 5000 + i));
    await journal.flush();
    expect(onDisk()).toBeGreaterThan(MAX);
    await journal.retain();
    expect(onDisk()).toBeLessThanOrEqual(MAX * 0.75);
  });
});
