/**
 * `sqliteDriver({ path })`: the embedded default, on `bun:sqlite`. This file only resolves the
 * options; the store (and with it `bun:sqlite` and Bun's zstd) is loaded when the journal opens,
 * so importing `@switchyard/journal` for its types or the memory driver needs no Bun.
 */
import { type CompressionOptions, DEFAULT_COMPRESSION } from '../codec/codec.ts';
import { JournalInvalidInputError, JournalOpenError } from '../errors.ts';
import { DEFAULT_GROUP_COMMIT, type GroupCommitLimits } from '../group-commit.ts';
import type { JournalDriver } from '../types.ts';
import { assertCount } from '../validate.ts';
import type { CommitInfo, SqliteStoreOptions } from './sqlite/store.ts';

export type { CommitInfo };

export interface SqliteDriverOptions {
  /** The database file (created if missing; its directory must exist), or `:memory:`. */
  path: string;
  /** Group commit and back-pressure limits (see `GroupCommitLimits`). */
  groupCommit?: Partial<GroupCommitLimits>;
  /** zstd settings, or `false` to store payloads as they are. */
  compression?: Partial<CompressionOptions> | false;
  /** `NORMAL` (default): a commit survives a process crash; `FULL`: also a power loss, at an fsync per commit. */
  synchronous?: 'NORMAL' | 'FULL';
  /** How long a statement waits for another connection's lock (default 5000 ms). */
  busyTimeoutMs?: number;
  /** SQLite page cache (default 16 MiB). */
  cacheSizeKiB?: number;
  /** Memory-mapped reads (default 256 MiB; 0 turns them off). */
  mmapSizeBytes?: number;
  /** Check the file on open: `quick` (default, `PRAGMA quick_check`), `full` (`integrity_check`) or `off`. */
  integrityCheck?: 'quick' | 'full' | 'off';
  /** Called after each group commit (for metrics). */
  onCommit?: (info: CommitInfo) => void;
  /**
   * Where batches are compressed and written: `inline` (default) on the caller's thread, or
   * `thread`: on a worker thread with its own connection, so that commits (zstd and SQLite, up to
   * tens of ms for a large batch) do not hold up the caller's event loop. `thread` needs a file.
   */
  writer?: 'inline' | 'thread';
  /**
   * Open the file for reading only (default `false`): sessions, events, audit entries and export
   * work; every write, `retain()` included, throws `JournalReadOnlyError`. The file must exist and
   * is never created, migrated or changed. For tools reading beside a running gateway.
   */
  readonly?: boolean;
}

export function sqliteDriver(options: SqliteDriverOptions): JournalDriver {
  const resolved = resolveOptions(options);
  return {
    name: 'sqlite',
    async open(context) {
      let store: typeof import('./sqlite/store.ts');
      try {
        store = await import('./sqlite/store.ts');
      } catch (error) {
        throw new JournalOpenError(
          resolved.path,
          'the sqlite driver needs Bun ≥ 1.4 (bun:sqlite did not load)',
          {
            cause: error,
          },
        );
      }
      return store.openSqliteStore(resolved, context);
    },
  };
}

function resolveOptions(options: SqliteDriverOptions): SqliteStoreOptions {
  if (typeof options?.path !== 'string' || options.path.length === 0) {
    throw new JournalInvalidInputError('sqlite path', 'expected a file path (or ":memory:")');
  }
  const groupCommit = { ...DEFAULT_GROUP_COMMIT, ...options.groupCommit };
  assertCount('groupCommit.maxBatch', groupCommit.maxBatch);
  assertCount('groupCommit.maxDelayMs', groupCommit.maxDelayMs, 0);
  assertCount('groupCommit.maxBuffered', groupCommit.maxBuffered);
  assertCount('groupCommit.maxBufferedBytes', groupCommit.maxBufferedBytes);
  if (groupCommit.onFull !== 'wait' && groupCommit.onFull !== 'reject') {
    throw new JournalInvalidInputError('groupCommit.onFull', "expected 'wait' or 'reject'");
  }
  let compression: CompressionOptions | false = false;
  if (options.compression !== false) {
    compression = { ...DEFAULT_COMPRESSION, ...options.compression };
    assertCount('compression.level', compression.level);
    if (compression.level > 22)
      throw new JournalInvalidInputError('compression.level', 'zstd levels go from 1 to 22');
    assertCount('compression.blockBytes', compression.blockBytes);
    assertCount('compression.frameBytes', compression.frameBytes);
  }
  const synchronous = options.synchronous ?? 'NORMAL';
  if (synchronous !== 'NORMAL' && synchronous !== 'FULL') {
    throw new JournalInvalidInputError('synchronous', "expected 'NORMAL' or 'FULL'");
  }
  const writer = options.writer ?? 'inline';
  if (writer !== 'inline' && writer !== 'thread') {
    throw new JournalInvalidInputError('writer', "expected 'inline' or 'thread'");
  }
  if (writer === 'thread' && options.path === ':memory:') {
    throw new JournalInvalidInputError(
      'writer',
      "'thread' needs a database file; ':memory:' is one connection's own",
    );
  }
  const readonly = options.readonly ?? false;
  if (typeof readonly !== 'boolean') throw new JournalInvalidInputError('readonly', 'expected true or false');
  if (readonly && writer === 'thread') {
    throw new JournalInvalidInputError('writer', "'thread' writes; a readonly journal has no writer");
  }
  const integrityCheck = options.integrityCheck ?? 'quick';
  if (!['quick', 'full', 'off'].includes(integrityCheck)) {
    throw new JournalInvalidInputError('integrityCheck', "expected 'quick', 'full' or 'off'");
  }
  const resolved: SqliteStoreOptions = {
    path: options.path,
    groupCommit,
    compression,
    synchronous,
    busyTimeoutMs: options.busyTimeoutMs ?? 5000,
    cacheSizeKiB: options.cacheSizeKiB ?? 16 * 1024,
    mmapSizeBytes: options.mmapSizeBytes ?? 256 * 1024 * 1024,
    integrityCheck,
    onCommit: options.onCommit,
    writer,
    readonly,
  };
  assertCount('busyTimeoutMs', resolved.busyTimeoutMs, 0);
  assertCount('cacheSizeKiB', resolved.cacheSizeKiB);
  assertCount('mmapSizeBytes', resolved.mmapSizeBytes, 0);
  return resolved;
}
