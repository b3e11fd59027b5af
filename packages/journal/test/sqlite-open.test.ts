/**
 * Opening a journal file: migrations from an older schema, and every file it must refuse with a
 * typed error that says what is wrong (damaged, not a database, another application's database,
 * a newer schema, a path that cannot be opened, a read-only file).
 */
import { Database } from 'bun:sqlite';
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
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
import { noise, tempDir } from './helpers.ts';

let dir: ReturnType<typeof tempDir>;
let path: string;

beforeEach(() => {
  dir = tempDir();
  path = dir.file('journal.db');
});
afterEach(() => dir.remove());

async function openError(file: string): Promise<Error> {
  try {
    const journal = await createJournal({ driver: sqliteDriver({ path: file }) });
    await journal.close();
  } catch (error) {
    return error as Error;
  }
  throw new Error(`expected ${file} to be refused`);
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
        ['audit_session', 'audit_time', 'events_time', 'sessions_expiry', 'streams_session'].sort(),
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
