/**
 * Opening a journal file: the PRAGMAs, the integrity check, the migrations and a write probe, each
 * failure turned into a typed error that names the file and what is wrong with it.
 */
import { Database } from 'bun:sqlite';
import { closeSync, existsSync, fchmodSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  isJournalError,
  JournalCorruptError,
  JournalOpenError,
  JournalReadOnlyError,
  JournalSchemaError,
} from '../../errors.ts';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from './schema.ts';

export interface OpenOptions {
  synchronous: 'NORMAL' | 'FULL';
  busyTimeoutMs: number;
  cacheSizeKiB: number;
  mmapSizeBytes: number;
  integrityCheck: 'quick' | 'full' | 'off';
  /** Open for reading only: nothing is created, migrated or written (an export beside a gateway). */
  readonly: boolean;
}

/** Journal files hold every payload: only their owner may read them (the -wal and -shm files follow). */
export const FILE_MODE = 0o600;

export function openDatabase(path: string, options: OpenOptions): Database {
  preflight(path, options.readonly);
  let db: Database;
  try {
    if (!options.readonly) createPrivate(path);
    db = options.readonly
      ? new Database(path, { readonly: true, strict: true })
      : new Database(path, { create: true, readwrite: true, strict: true });
  } catch (error) {
    throw typedOpenError(path, error);
  }
  try {
    configure(db, path, options);
    return db;
  } catch (error) {
    try {
      db.close(true);
    } catch {
      // The typed error below is what the caller needs to see.
    }
    throw typedOpenError(path, error);
  }
}

function configure(db: Database, path: string, options: OpenOptions): void {
  // First, so every later statement waits (up to this long) for another connection's lock
  // (a checkpoint, an export from another process) instead of failing with SQLITE_BUSY at once.
  db.run(`PRAGMA busy_timeout = ${options.busyTimeoutMs}`);

  // A damaged file is found here, before anything writes to it. quick_check is O(file size) but
  // skips the index-vs-table cross-checks that make integrity_check slow on large files.
  if (options.integrityCheck !== 'off') {
    const pragma = options.integrityCheck === 'full' ? 'integrity_check' : 'quick_check';
    const rows = db.query(`PRAGMA ${pragma}(5)`).values() as unknown[][];
    const problems = rows.map((r) => String(r[0])).filter((m) => m !== 'ok');
    if (problems.length > 0) throw new JournalCorruptError(path, `${pragma} found: ${problems.join('; ')}`);
  }

  const fresh = pragmaNumber(db, 'user_version') === 0 && tableCount(db) === 0;
  if (options.readonly) {
    if (fresh) throw new JournalSchemaError(path, 'it is empty: no journal has been written to it yet');
    configureReader(db, path, options);
    return;
  }
  if (fresh) {
    // Only settable before the first table exists: freed pages can then be returned to the file
    // system by `PRAGMA incremental_vacuum` (retention) without rewriting the whole file.
    db.run('PRAGMA auto_vacuum = INCREMENTAL');
    db.run(`PRAGMA application_id = ${APPLICATION_ID}`);
  } else if (pragmaNumber(db, 'application_id') !== APPLICATION_ID) {
    throw new JournalSchemaError(
      path,
      'it is a SQLite database of some other application, not a Switchyard journal',
    );
  }

  // WAL: writers append to the log instead of rewriting pages through a rollback journal, readers
  // (an export, another process) never block the writer, and a commit needs no fsync of its own.
  const mode = String(db.query('PRAGMA journal_mode = WAL').values()[0]?.[0]);
  if (mode !== 'wal' && mode !== 'memory') {
    throw new JournalOpenError(path, `the file system does not support WAL (journal_mode stayed ${mode})`);
  }
  // NORMAL in WAL mode: a commit is written to the log but not fsynced; the log is fsynced at each
  // checkpoint. A committed transaction survives the process being killed (the OS has the pages);
  // only a power loss or kernel crash can take the last commits. FULL fsyncs every commit.
  db.run(`PRAGMA synchronous = ${options.synchronous}`);
  // Sorts and temporary indexes (export ordering, retention) stay in memory, off the disk.
  db.run('PRAGMA temp_store = MEMORY');
  // Reads (replay, export) map the file instead of copying each page through read().
  db.run(`PRAGMA mmap_size = ${options.mmapSizeBytes}`);
  // Negative = KiB: the page cache holds the hot streams' pages and the b-tree interiors.
  db.run(`PRAGMA cache_size = -${options.cacheSizeKiB}`);
  // Off by default in SQLite. On: deleting a stream cascades to its events, and a payload cannot
  // point at a block that is gone, so a bug in block reference counting fails loudly.
  db.run('PRAGMA foreign_keys = ON');
  // After a checkpoint, the WAL file is truncated to this size instead of staying at its peak.
  db.run('PRAGMA journal_size_limit = 67108864');

  migrate(db, path);
  probeWritable(db);
}

/**
 * A reader changes nothing in the file: no journal mode, no migration (every version's tables read
 * the same: later versions add indexes, and version 4 the sessions' `state` column, read as `{}` where
 * it is missing), no probe. WAL readers never block the writer.
 */
function configureReader(db: Database, path: string, options: OpenOptions): void {
  if (pragmaNumber(db, 'application_id') !== APPLICATION_ID) {
    throw new JournalSchemaError(
      path,
      'it is a SQLite database of some other application, not a Switchyard journal',
    );
  }
  checkVersion(db, path);
  db.run('PRAGMA temp_store = MEMORY');
  db.run(`PRAGMA mmap_size = ${options.mmapSizeBytes}`);
  db.run(`PRAGMA cache_size = -${options.cacheSizeKiB}`);
}

function checkVersion(db: Database, path: string): number {
  const version = pragmaNumber(db, 'user_version');
  if (version > SCHEMA_VERSION) {
    throw new JournalSchemaError(
      path,
      `its schema version is ${version}, newer than this @switchyard/journal knows (${SCHEMA_VERSION}); upgrade the package`,
    );
  }
  return version;
}

function migrate(db: Database, path: string): void {
  const version = checkVersion(db, path);
  if (version === SCHEMA_VERSION) return;
  db.transaction(() => {
    for (let v = version; v < SCHEMA_VERSION; v++) db.run(MIGRATIONS[v]!);
    db.run(`PRAGMA user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/** A file the OS lets us read but not write opens read-only without complaint; find out now. */
function probeWritable(db: Database): void {
  db.run('BEGIN IMMEDIATE');
  try {
    db.run(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.run('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.run('ROLLBACK');
    throw error;
  }
}

/**
 * Creates a missing journal file empty, readable by its owner only, before SQLite opens it: SQLite
 * gives the -wal and -shm files it makes the mode of the database file. An existing file keeps
 * the mode it has.
 */
function createPrivate(path: string): void {
  if (path === ':memory:' || existsSync(path)) return;
  let fd: number;
  try {
    fd = openSync(path, 'wx', FILE_MODE);
  } catch (error) {
    // Another process created it between the check and here: it is theirs to have made.
    if ((error as { code?: unknown }).code === 'EEXIST') return;
    throw error;
  }
  try {
    // The mode given to open() is reduced by the umask; this is not.
    fchmodSync(fd, FILE_MODE);
  } finally {
    closeSync(fd);
  }
}

function preflight(path: string, readonly: boolean): void {
  if (path === ':memory:') {
    if (readonly) throw new JournalOpenError(path, 'a new in-memory database has nothing to read');
    return;
  }
  const dir = dirname(resolve(path));
  if (!existsSync(dir))
    throw new JournalOpenError(path, `its directory ${JSON.stringify(dir)} does not exist`);
  if (!statSync(dir).isDirectory())
    throw new JournalOpenError(path, `${JSON.stringify(dir)} is not a directory`);
  if (existsSync(path) && !statSync(path).isFile()) {
    throw new JournalOpenError(path, 'it exists and is not a regular file (a directory?)');
  }
  if (readonly && !existsSync(path)) throw new JournalOpenError(path, 'it does not exist');
}

function typedOpenError(path: string, error: unknown): Error {
  if (isJournalError(error)) return error;
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string') {
    if (code.startsWith('SQLITE_READONLY')) return new JournalReadOnlyError(path, { cause: error });
    if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
      return new JournalCorruptError(path, `${message} (${code})`, { cause: error });
    }
    if (code.startsWith('SQLITE_CANTOPEN')) {
      return new JournalOpenError(path, `SQLite cannot open it (${code}): missing permissions?`, {
        cause: error,
      });
    }
    if (code.startsWith('SQLITE_BUSY')) {
      return new JournalOpenError(path, `it stayed locked by another connection (${code})`, { cause: error });
    }
  }
  return new JournalOpenError(path, message, { cause: error });
}

function pragmaNumber(db: Database, name: string): number {
  return Number(db.query(`PRAGMA ${name}`).values()[0]?.[0] ?? 0);
}

function tableCount(db: Database): number {
  return Number(db.query('SELECT count(*) FROM sqlite_schema').values()[0]?.[0] ?? 0);
}
