/**
 * The SQLite driver's write path: group commit, back-pressure, failed commits, and what
 * `flush()` promises — observed through a second, independent connection to the same file.
 */
import { Database } from 'bun:sqlite';
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CommitInfo,
  createJournal,
  isJournalBackpressureError,
  isJournalWriteError,
  type Journal,
  type SqliteDriverOptions,
  sqliteDriver,
} from '../src/index.ts';
import { eventually, rejection, tempDir } from './helpers.ts';

let dir: ReturnType<typeof tempDir>;
let path: string;
let journal: Journal | undefined;
let commits: CommitInfo[];
let errors: unknown[];

async function open(options: Omit<SqliteDriverOptions, 'path'> = {}): Promise<Journal> {
  journal = await createJournal({
    driver: sqliteDriver({ path, onCommit: (c) => commits.push(c), ...options }),
    onError: (e) => errors.push(e),
  });
  return journal;
}

/** Events visible to another connection: only what is committed. */
function committedEvents(): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.query('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

beforeEach(() => {
  dir = tempDir();
  path = dir.file('journal.db');
  commits = [];
  errors = [];
});
afterEach(async () => {
  await journal?.close();
  journal = undefined;
  dir.remove();
});

describe('group commit', () => {
  it('commits a burst in one transaction once maxDelayMs has passed', async () => {
    const j = await open({ groupCommit: { maxDelayMs: 40, maxBatch: 1000 } });
    for (let i = 0; i < 10; i++) await j.append('s', `{"i":${i}}`);
    await j.audit({ method: 'tools/call', durationMs: 1, outcome: 'ok' });
    expect(commits).toEqual([]);
    expect(committedEvents()).toBe(0);
    await eventually(() => commits.length > 0);
    expect(commits.map((c) => c.records)).toEqual([11]);
    expect(committedEvents()).toBe(10);
  });

  it('commits as soon as maxBatch records wait, without waiting for the timer', async () => {
    const j = await open({ groupCommit: { maxDelayMs: 60_000, maxBatch: 5 } });
    for (let i = 0; i < 5; i++) await j.append('s', `{"i":${i}}`);
    await eventually(() => commits.length > 0, 2000);
    expect(commits.map((c) => c.records)).toEqual([5]);
    await j.append('s', '{"i":5}');
    await j.append('s', '{"i":6}');
    await new Promise((r) => setTimeout(r, 30));
    expect(commits).toHaveLength(1);
    await j.flush();
    expect(commits.map((c) => c.records)).toEqual([5, 2]);
  });

  it('flush() resolves once everything written before it is committed to the file', async () => {
    const j = await open({ groupCommit: { maxDelayMs: 60_000 } });
    const session = await j.createSession({ id: 'sess', protocolVersion: '2025-06-18' });
    for (let i = 0; i < 3; i++) await j.append('s', `{"i":${i}}`, { sessionId: session.id });
    expect(committedEvents()).toBe(0);
    // Buffered writes are already visible to this journal's own reads of sessions.
    expect(await j.getSession('sess')).toEqual(session);
    await j.flush();
    expect(committedEvents()).toBe(3);
    await j.flush();
    expect(commits).toHaveLength(1);
  });

  it('close() checkpoints the log into the file and removes it', async () => {
    const j = await open();
    await j.append('s', '{"n":1}');
    await j.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(committedEvents()).toBe(1);
  });
});

describe('back-pressure', () => {
  it("onFull: 'reject' refuses a write when the buffer is full, without taking it", async () => {
    const j = await open({ groupCommit: { maxDelayMs: 60_000, maxBuffered: 3, onFull: 'reject' } });
    const ids = [await j.append('s', '{}'), await j.append('s', '{}'), await j.append('s', '{}')];
    const error = await rejection(j.append('s', '{"refused":true}'));
    expect(isJournalBackpressureError(error)).toBe(true);
    expect(String(error)).toContain('write buffer is full (3 records waiting');
    const auditError = await rejection(j.audit({ method: 'm', durationMs: 1, outcome: 'ok' }));
    expect(isJournalBackpressureError(auditError)).toBe(true);
    await j.flush();
    ids.push(await j.append('s', '{"after":"flush"}'));
    expect(ids).toEqual(['s#1', 's#2', 's#3', 's#4']);
    expect((await j.readAfter('s')).map((e) => e.data)).toEqual(['{}', '{}', '{}', '{"after":"flush"}']);
  });

  it("onFull: 'wait' (the default) holds writers until a commit makes room, in order", async () => {
    const j = await open({ groupCommit: { maxDelayMs: 20, maxBatch: 1000, maxBuffered: 3 } });
    const settled: string[] = [];
    const writes = Array.from({ length: 7 }, (_, i) =>
      j.append('s', `{"i":${i}}`).then((id) => {
        settled.push(`${id}@${commits.length}`);
        return id;
      }),
    );
    await new Promise((r) => setTimeout(r, 1));
    expect(settled).toEqual(['s#1@0', 's#2@0', 's#3@0']);
    const ids = await Promise.all(writes);
    expect(ids).toEqual(['s#1', 's#2', 's#3', 's#4', 's#5', 's#6', 's#7']);
    // s#4 … s#7 found room only after the first commit.
    expect(settled.slice(3).every((s) => Number(s.split('@')[1]) >= 1)).toBe(true);
    await j.flush();
    expect(commits.every((c) => c.records <= 3)).toBe(true);
    expect((await j.readAfter('s')).map((e) => e.data)).toEqual(
      Array.from({ length: 7 }, (_, i) => `{"i":${i}}`),
    );
  });

  it('counts bytes as well as records', async () => {
    const j = await open({
      groupCommit: { maxDelayMs: 60_000, maxBuffered: 1000, maxBufferedBytes: 10_000, onFull: 'reject' },
    });
    await j.append('s', 'x'.repeat(6000));
    await j.append('s', 'x'.repeat(6000));
    const error = await rejection(j.append('s', 'x'));
    expect(isJournalBackpressureError(error)).toBe(true);
    await j.flush();
    await j.append('s', 'x');
  });
});

// The gateway writes through the writer thread; both writers must fail the same way.
describe.each(['inline', 'thread'] as const)('a failed commit (%s writer)', (writer) => {
  it('keeps the records, rejects flush() with JournalWriteError, and retries until it lands', async () => {
    const j = await open({ writer, busyTimeoutMs: 10, groupCommit: { maxDelayMs: 5 } });
    const blocker = new Database(path);
    blocker.run('BEGIN IMMEDIATE');
    let released = false;
    try {
      await j.append('s', '{"n":1}');
      const error = await rejection(j.flush());
      expect(isJournalWriteError(error)).toBe(true);
      expect(String(error)).toMatch(/journal commit of 1 records failed: .*locked/);
      expect((error as { records: number }).records).toBe(1);
      expect(errors.some(isJournalWriteError)).toBe(true);
      await j.append('s', '{"n":2}');
      blocker.run('COMMIT');
      released = true;
      await j.flush();
      expect((await j.readAfter('s')).map((e) => e.data)).toEqual(['{"n":1}', '{"n":2}']);
    } finally {
      if (!released) blocker.run('ROLLBACK');
      blocker.close();
    }
  });

  it('makes close() reject, naming how many records were lost, when the last commit fails', async () => {
    const j = await open({ writer, busyTimeoutMs: 10, groupCommit: { maxDelayMs: 60_000 } });
    const blocker = new Database(path);
    blocker.run('BEGIN IMMEDIATE');
    try {
      await j.append('s', '{"n":1}');
      await j.append('s', '{"n":2}');
      const error = await rejection(j.close());
      expect(isJournalWriteError(error)).toBe(true);
      expect((error as { records: number }).records).toBe(2);
      // Idempotent: the same outcome again.
      expect(await rejection(j.close())).toBe(error);
    } finally {
      blocker.run('ROLLBACK');
      blocker.close();
    }
    journal = undefined;
    // Closed all the same: no connection of the journal's is left (the writer thread's included),
    // so the last one to close removed the write-ahead log.
    await eventually(() => !existsSync(`${path}-wal`));
  });
});
