/**
 * Opening a journal file: migrations from an older schema, and every file it must refuse with a
 * typed error that says what is wrong (damaged, not a database, another application's database,
 * a newer schema, a path that cannot be opened, a read-only file).
 */
import { Database } from 'bun:sqlite';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from '../src/drivers/sqlite/schema.ts';
import {
  createJournal,
  isJournalCorruptError,
  isJournalError,
  isJournalInvalidInputError,
  isJournalOpenError,
  isJournalReadOnlyError,
  isJournalSchemaError,
  sqliteDriver,
} from '../src/index.ts';
import { noise, rejection, tempDir } from './helpers.ts';

let dir: ReturnType<typeof tempDir>;
let path: string;

beforeEach(() => {
  dir = tempDir();
  path = dir.file('journal.db');
});
afterEach(() => dir.remove());

async function openError(file: string, options: { readonly?: boolean } = {}): Promise<Error> {
  try {
    const journal = await createJournal({ driver: sqliteDriver({ path: file, ...options }) });
    await journal.close();
  } catch (error) {
    return error as Error;
  }
  throw new Error(`expected ${file} to be refused`);
}

/** The steps of `EXPLAIN QUERY PLAN sql`, foreign-key checks included. */
function plan(db: Database, sql: string): string[] {
  db.run('PRAGMA foreign_keys = ON');
  return (db.query(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail);
}

/** What migration 6 added (the access policy's audit fields), taken away to make an older file. */
function dropPolicyColumns(db: Database): void {
  for (const column of ['client_id', 'decision', 'rule']) db.run(`ALTER TABLE audit DROP COLUMN ${column}`);
}

function rawDatabase(setup: (db: Database) => void): void {
  const db = new Database(path);
  try {
    setup(db);
  } finally {
    db.close();
  }
}

describe('migrations', () => {
  it('brings a version-1 file up to date and keeps its records', async () => {
    rawDatabase((db) => {
      db.run('PRAGMA auto_vacuum = INCREMENTAL');
      db.run(`PRAGMA application_id = ${APPLICATION_ID}`);
      db.run('PRAGMA journal_mode = WAL');
      db.run(MIGRATIONS[0]!);
      db.run('PRAGMA user_version = 1');
      db.run(
        `INSERT INTO sessions VALUES ('old-session', 'alice', '2025-03-26', NULL, '{"fs":"fs-w1"}', 1000, 1000, NULL, NULL)`,
      );
      db.run(`INSERT INTO streams VALUES ('old-stream', 'old-session', 2, 1000, 1000)`);
      db.run(`INSERT INTO payloads (id, codec, size, data) VALUES (1, 3, 7, CAST('{"a":1}' AS BLOB))`);
      db.run(`INSERT INTO payloads (id, codec, size, data) VALUES (2, 3, 7, CAST('{"a":2}' AS BLOB))`);
      db.run(`INSERT INTO events VALUES ('old-stream', 1, 1000, 1), ('old-stream', 2, 1001, 2)`);
    });
    const journal = await createJournal({ driver: sqliteDriver({ path }), clock: { now: () => 2000 } });
    try {
      expect(await journal.getSession('old-session')).toMatchObject({
        principal: 'alice',
        bindings: { fs: 'fs-w1' },
      });
      expect((await journal.readAfter('old-stream', 'old-stream#1')).map((e) => e.data)).toEqual(['{"a":2}']);
      expect(await journal.append('old-stream', '{"a":3}')).toBe('old-stream#3');
    } finally {
      await journal.close();
    }
    rawDatabase((db) => {
      expect(db.query('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION });
      const indexes = (
        db.query("SELECT name FROM sqlite_schema WHERE type = 'index'").all() as Array<{ name: string }>
      )
        .map((r) => r.name)
        .filter((n) => !n.startsWith('sqlite_'));
      expect(indexes.sort()).toEqual(
        [
          'audit_request',
          'audit_response',
          'audit_session',
          'audit_time',
          'events_payload',
          'events_time',
          'payloads_block',
          'sessions_created',
          'sessions_expiry',
          'streams_session',
        ].sort(),
      );
    });
  });

  it('adds the index listSessions reads newest first to a version-4 file; a reader of the old file lists all the same', async () => {
    const listing =
      'SELECT * FROM sessions WHERE (expires_at IS NULL OR expires_at > 1) AND last_seen_at >= 0 ORDER BY created_at DESC, id DESC LIMIT 10';
    let now = 1000;
    const first = await createJournal({ driver: sqliteDriver({ path }), clock: { now: () => now } });
    for (const id of ['a', 'b', 'c']) {
      await first.createSession({ id, protocolVersion: '2025-06-18' });
      now += 1;
    }
    await first.close();
    // What a journal written before migration 5 looks like: listing scans and sorts every row.
    rawDatabase((db) => {
      dropPolicyColumns(db);
      db.run('DROP INDEX sessions_created');
      db.run('PRAGMA user_version = 4');
      expect(plan(db, listing)).toContain('USE TEMP B-TREE FOR ORDER BY');
    });
    const reader = await createJournal({
      driver: sqliteDriver({ path, readonly: true, integrityCheck: 'off' }),
      clock: { now: () => now },
    });
    expect((await reader.listSessions()).map((s) => s.id)).toEqual(['c', 'b', 'a']);
    await reader.close();

    const journal = await createJournal({ driver: sqliteDriver({ path }), clock: { now: () => now } });
    expect((await journal.listSessions({ limit: 2 })).map((s) => s.id)).toEqual(['c', 'b']);
    await journal.close();
    rawDatabase((db) => {
      expect(db.query('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION });
      const steps = plan(db, listing);
      expect(steps.join('; ')).toMatch(/^SCAN sessions USING INDEX sessions_created$/);
    });
  });

  it('adds the audit policy fields to a version-5 file: old entries read them as null, readers of it too', async () => {
    const first = await createJournal({ driver: sqliteDriver({ path }) });
    await first.audit({ principal: 'alice', method: 'tools/call', durationMs: 1, outcome: 'ok' });
    await first.close();
    rawDatabase((db) => {
      dropPolicyColumns(db);
      db.run('PRAGMA user_version = 5');
    });
    const reader = await createJournal({
      driver: sqliteDriver({ path, readonly: true, integrityCheck: 'off' }),
    });
    expect(await reader.queryAudit()).toEqual([
      expect.objectContaining({ principal: 'alice', clientId: null, decision: null, rule: null }),
    ]);
    await reader.close();

    const journal = await createJournal({ driver: sqliteDriver({ path }) });
    await journal.audit({
      principal: 'bob',
      clientId: 'app',
      method: 'tools/call',
      durationMs: 1,
      outcome: 'rejected',
      decision: 'denied',
      rule: 'r1',
    });
    expect((await journal.queryAudit()).map((r) => [r.principal, r.clientId, r.decision, r.rule])).toEqual([
      ['alice', null, null, null],
      ['bob', 'app', 'denied', 'r1'],
    ]);
    await journal.close();
    rawDatabase((db) => {
      expect(db.query('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION });
    });
  });

  it("adds the sessions' state to a version-3 file: its sessions read with state {}, readers of it too", async () => {
    const first = await createJournal({ driver: sqliteDriver({ path }) });
    await first.createSession({ id: 'old', protocolVersion: '2025-06-18', ttlMs: null });
    await first.close();
    // What a journal written before migration 4 looks like.
    rawDatabase((db) => {
      dropPolicyColumns(db);
      db.run('DROP INDEX sessions_created');
      db.run('ALTER TABLE sessions DROP COLUMN state');
      db.run('PRAGMA user_version = 3');
    });
    // A reader does not migrate, and reads the session all the same.
    const reader = await createJournal({
      driver: sqliteDriver({ path, readonly: true, integrityCheck: 'off' }),
    });
    expect(await reader.getSession('old')).toMatchObject({ id: 'old', state: {} });
    await reader.close();

    const journal = await createJournal({ driver: sqliteDriver({ path }) });
    expect(await journal.getSession('old')).toMatchObject({ id: 'old', state: {} });
    expect((await journal.updateSessionState('old', { logLevel: 'debug' }))?.state).toEqual({
      logLevel: 'debug',
    });
    await journal.close();
    rawDatabase((db) => {
      expect(db.query('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION });
    });
    const again = await createJournal({ driver: sqliteDriver({ path }) });
    expect((await again.getSession('old'))?.state).toEqual({ logLevel: 'debug' });
    await again.close();
  });

  it('adds the foreign-key indexes to a version-2 file, so deleting a payload searches instead of scanning', async () => {
    const first = await createJournal({ driver: sqliteDriver({ path }) });
    await first.append('s', '{"kept":true}');
    await first.audit({ method: 'tools/call', durationMs: 1, outcome: 'ok', request: '{}', response: '{}' });
    await first.close();
    // What a journal written before migration 3 looks like.
    rawDatabase((db) => {
      for (const index of ['events_payload', 'audit_request', 'audit_response', 'payloads_block'])
        db.run(`DROP INDEX ${index}`);
      dropPolicyColumns(db);
      db.run('DROP INDEX sessions_created');
      db.run('ALTER TABLE sessions DROP COLUMN state');
      db.run('PRAGMA user_version = 2');
      expect(plan(db, 'DELETE FROM payloads WHERE id = 1')).toContain('SCAN audit');
    });

    const journal = await createJournal({ driver: sqliteDriver({ path }) });
    expect((await journal.readAfter('s')).map((e) => e.data)).toEqual(['{"kept":true}']);
    expect(await journal.queryAudit()).toHaveLength(1);
    await journal.close();
    rawDatabase((db) => {
      expect(db.query('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION });
      // The checks foreign_keys = ON makes when a payload or a block row goes: each a SEARCH.
      for (const sql of ['DELETE FROM payloads WHERE id = 1', 'DELETE FROM blocks WHERE id = 1']) {
        const steps = plan(db, sql);
        expect(
          steps.filter((step) => step.startsWith('SCAN')),
          `${sql}: ${steps.join('; ')}`,
        ).toEqual([]);
      }
      expect(plan(db, 'DELETE FROM payloads WHERE id = 1')).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^SEARCH events USING (COVERING )?INDEX events_payload/),
          expect.stringMatching(/^SEARCH audit USING (COVERING )?INDEX audit_request/),
          expect.stringMatching(/^SEARCH audit USING (COVERING )?INDEX audit_response/),
        ]),
      );
      expect(plan(db, 'DELETE FROM blocks WHERE id = 1')).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^SEARCH payloads USING (COVERING )?INDEX payloads_block/),
        ]),
      );
    });
  });

  it('refuses a file written by a newer version', async () => {
    rawDatabase((db) => {
      db.run(`PRAGMA application_id = ${APPLICATION_ID}`);
      db.run('CREATE TABLE future (x)');
      db.run('PRAGMA user_version = 99');
    });
    const error = await openError(path);
    expect(isJournalSchemaError(error)).toBe(true);
    expect(error.message).toContain(
      `its schema version is 99, newer than this @switchyard/journal knows (${SCHEMA_VERSION})`,
    );
  });

  it("refuses another application's database without touching it", async () => {
    rawDatabase((db) => db.run('CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)'));
    const before = statSync(path).mtimeMs;
    const error = await openError(path);
    expect(isJournalSchemaError(error)).toBe(true);
    expect(error.message).toContain('not a Switchyard journal');
    expect(statSync(path).mtimeMs).toBe(before);
    rawDatabase((db) => expect(db.query('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'delete' }));
  });
});

describe('damaged files', () => {
  it('refuses a file that is not a database', async () => {
    writeFileSync(path, 'these are the release notes, not a database\n'.repeat(200));
    const error = await openError(path);
    expect(isJournalCorruptError(error)).toBe(true);
    expect(error.message).toContain(JSON.stringify(path));
    expect(error.message).toContain('not a database');
  });

  it('refuses a journal whose pages were overwritten, found by the integrity check on open', async () => {
    const journal = await createJournal({ driver: sqliteDriver({ path, compression: false }) });
    for (let i = 0; i < 200; i++) await journal.append(`s${i % 5}`, noise(2000, i));
    await journal.close();
    const pageSize = 4096;
    const pages = statSync(path).size / pageSize;
    expect(pages).toBeGreaterThan(60);
    const fd = openSync(path, 'r+');
    try {
      for (let page = 10; page < pages - 5; page += 7)
        writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, page * pageSize);
    } finally {
      closeSync(fd);
    }
    const error = await openError(path);
    expect(isJournalCorruptError(error)).toBe(true);
    expect(error.message).toMatch(/is damaged or not a database: (quick_check found|.*SQLITE_CORRUPT)/);
  });
});

describe('paths that cannot be opened', () => {
  it('names a missing directory', async () => {
    const missing = dir.file('no/such/dir/journal.db');
    const error = await openError(missing);
    expect(isJournalOpenError(error)).toBe(true);
    expect(error.message).toContain('does not exist');
    expect(error.message).toContain(JSON.stringify(missing));
  });

  it('names a path that is a directory', async () => {
    mkdirSync(dir.file('a-directory'));
    const error = await openError(dir.file('a-directory'));
    expect(isJournalOpenError(error)).toBe(true);
    expect(error.message).toContain('not a regular file');
  });

  it('refuses an empty path before opening anything', () => {
    expect(() => sqliteDriver({ path: '' })).toThrow(/invalid sqlite path/);
    let caught: unknown;
    try {
      sqliteDriver({ path, groupCommit: { maxBatch: 0 } });
    } catch (error) {
      caught = error;
    }
    expect(isJournalInvalidInputError(caught)).toBe(true);
  });

  it('refuses a read-only file with JournalReadOnlyError', async () => {
    const journal = await createJournal({ driver: sqliteDriver({ path }) });
    await journal.append('s', '{}');
    await journal.close();
    chmodSync(path, 0o444);
    // root may write any file whatever its mode; the immutable attribute stops root too.
    const root = process.getuid?.() === 0;
    if (root) execFileSync('chattr', ['+i', path]);
    try {
      const error = await openError(path);
      expect(isJournalReadOnlyError(error)).toBe(true);
      expect(error.message).toBe(
        `journal ${JSON.stringify(path)} is read-only: the file or its directory cannot be written`,
      );
    } finally {
      if (root) execFileSync('chattr', ['-i', path]);
      chmodSync(path, 0o644);
    }
  });

  it('brands every error it throws', async () => {
    const error = await openError(dir.file('missing/journal.db'));
    expect(isJournalError(error)).toBe(true);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('JournalOpenError');
  });
});

describe('file mode', () => {
  it.each(['inline', 'thread'] as const)(
    'creates the journal, its -wal and its -shm readable and writable by the owner only (%s writer)',
    async (writer) => {
      const journal = await createJournal({ driver: sqliteDriver({ path, writer }) });
      try {
        await journal.append('s', '{"private":true}');
        await journal.audit({ method: 'tools/call', durationMs: 1, outcome: 'ok', request: '{"secret":1}' });
        await journal.flush();
        for (const file of [path, `${path}-wal`, `${path}-shm`]) {
          expect((statSync(file).mode & 0o777).toString(8), file).toBe('600');
        }
      } finally {
        await journal.close();
      }
    },
  );

  it('keeps the mode an existing journal has', async () => {
    await (await createJournal({ driver: sqliteDriver({ path }) })).close();
    chmodSync(path, 0o640);
    const journal = await createJournal({ driver: sqliteDriver({ path }) });
    await journal.append('s', '{}');
    await journal.close();
    expect((statSync(path).mode & 0o777).toString(8)).toBe('640');
  });
});

describe('readonly', () => {
  it('reads what another connection writes, refuses every write, and runs no retention', async () => {
    const writer = await createJournal({ driver: sqliteDriver({ path }), clock: { now: () => 1000 } });
    const reader = await createJournal({
      driver: sqliteDriver({ path, readonly: true }),
      clock: { now: () => 1_000_000 },
      // Would delete everything were it run.
      retention: { maxAgeMs: 1, intervalMs: 1 },
    });
    try {
      await writer.createSession({ id: 'x', protocolVersion: '2025-06-18' });
      const id = await writer.append('s', '{"n":1}', { sessionId: 'x' });
      await writer.audit({ sessionId: 'x', method: 'tools/call', durationMs: 1, outcome: 'ok' });
      await writer.flush();
      expect((await reader.readAfter('s')).map((e) => e.id)).toEqual([id]);
      expect((await reader.queryAudit()).map((r) => r.method)).toEqual(['tools/call']);
      const lines: string[] = [];
      for await (const line of reader.export({ sessionId: 'x' })) lines.push(line);
      expect(lines.map((l) => JSON.parse(l).type)).toEqual(['session', 'event', 'audit']);

      const writes: Array<[string, () => Promise<unknown>]> = [
        ['createSession', () => reader.createSession({ protocolVersion: '2025-06-18' })],
        ['touchSession', () => reader.touchSession('x')],
        ['deleteSession', () => reader.deleteSession('x')],
        ['expireSessions', () => reader.expireSessions()],
        ['append', () => reader.append('s', '{}')],
        ['audit', () => reader.audit({ method: 'm', durationMs: 1, outcome: 'ok' })],
        ['retain', () => reader.retain()],
      ];
      for (const [name, write] of writes) {
        const error = (await rejection(write())) as Error;
        expect(isJournalReadOnlyError(error), name).toBe(true);
        expect(error.message).toBe(
          `journal ${JSON.stringify(path)} is read-only: it was opened with readonly: true`,
        );
      }
      await reader.close();
      expect((await writer.readAfter('s')).map((e) => e.id)).toEqual([id]);
      expect(await writer.queryAudit()).toHaveLength(1);
    } finally {
      await reader.close();
      await writer.close();
    }
  });

  it('opens a closed journal without changing it, and never creates one', async () => {
    const writer = await createJournal({ driver: sqliteDriver({ path }) });
    await writer.append('s', '{}');
    await writer.close();
    const before = statSync(path).mtimeMs;
    const reader = await createJournal({ driver: sqliteDriver({ path, readonly: true }) });
    expect(await reader.readAfter('s')).toHaveLength(1);
    await reader.close();
    expect(statSync(path).mtimeMs).toBe(before);

    const missing = dir.file('missing.db');
    const error = await openError(missing, { readonly: true });
    expect(isJournalOpenError(error)).toBe(true);
    expect(error.message).toContain('it does not exist');
    expect(existsSync(missing)).toBe(false);
    expect(() => sqliteDriver({ path, readonly: true, writer: 'thread' })).toThrow(/writer/);
  });
});

describe('writer thread', () => {
  it('is refused for :memory: and for an unknown writer, naming the option', () => {
    expect(() => sqliteDriver({ path: ':memory:', writer: 'thread' })).toThrow(/writer/);
    expect(() => sqliteDriver({ path: 'x.db', writer: 'elsewhere' as never })).toThrow(
      /writer.*'inline' or 'thread'/,
    );
  });

  it('commits on the thread: onCommit is told, a second journal on the file reads what it wrote', async () => {
    const d = tempDir();
    try {
      const path = d.file('journal.db');
      const commits: number[] = [];
      const journal = await createJournal({
        driver: sqliteDriver({ path, writer: 'thread', onCommit: (info) => commits.push(info.records) }),
      });
      for (let i = 0; i < 20; i++) await journal.append('s', JSON.stringify({ i }));
      await journal.audit({
        method: 'tools/call',
        name: 'echo',
        durationMs: 1,
        outcome: 'ok',
        request: '{"a":1}',
      });
      await journal.flush();
      expect(commits.reduce((a, b) => a + b, 0)).toBe(21);
      await journal.close();
      const again = await createJournal({ driver: sqliteDriver({ path }) });
      expect(
        (await again.readAfter('s', undefined, { limit: 100 })).map((e) => JSON.parse(e.data).i),
      ).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect((await again.queryAudit({ limit: 10 }))[0]).toMatchObject({ name: 'echo', request: '{"a":1}' });
      await again.close();
    } finally {
      d.remove();
    }
  });
});
