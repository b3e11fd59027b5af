/**
 * @switchyard/journal — sessions, stream events and the tool-call audit trail, behind one
 * contract with several drivers: `sqliteDriver` (bun:sqlite, group commit, zstd), `redisDriver`
 * (Redis / Valkey, shared by several gateway nodes), `memoryDriver`, and `splitDriver` (sessions and
 * events in one store, audit in another).
 */
export type { CompressionOptions } from './codec/codec.ts';
export { memoryDriver } from './drivers/memory.ts';
export { type ConnectRedisOptions, connectRedis, type SharedRedis } from './drivers/redis/connect.ts';
export {
  DEFAULT_REDIS_KEY_PREFIX,
  type RedisConnection,
  type RedisDriverOptions,
  redisDriver,
} from './drivers/redis.ts';
export { type SplitDriverOptions, splitDriver } from './drivers/split.ts';
export { type CommitInfo, type SqliteDriverOptions, sqliteDriver } from './drivers/sqlite.ts';
export {
  type InvalidEventIdReason,
  isJournalBackpressureError,
  isJournalClosedError,
  isJournalConflictError,
  isJournalCorruptError,
  isJournalError,
  isJournalFencedError,
  isJournalInvalidEventIdError,
  isJournalInvalidInputError,
  isJournalOpenError,
  isJournalPayloadTooLargeError,
  isJournalReadOnlyError,
  isJournalSchemaError,
  isJournalUnavailableError,
  isJournalWriteError,
  JournalBackpressureError,
  JournalClosedError,
  JournalConflictError,
  JournalCorruptError,
  JournalError,
  JournalFencedError,
  JournalInvalidEventIdError,
  JournalInvalidInputError,
  JournalOpenError,
  JournalPayloadTooLargeError,
  JournalReadOnlyError,
  JournalSchemaError,
  JournalUnavailableError,
  JournalWriteError,
} from './errors.ts';
export { formatEventId, type ParsedEventId, parseEventId } from './event-id.ts';
export type { GroupCommitLimits } from './group-commit.ts';
export {
  createJournal,
  DEFAULT_RETENTION_INTERVAL_MS,
  type JournalOptions,
  MAX_LIST_SESSIONS,
  RETENTION_WRITE_SHARE,
  type RetentionOptions,
} from './journal.ts';
export type { LeaseNode, SessionLease, SessionLeases } from './leases.ts';
export { applySessionPatch, isExpired } from './session.ts';
export type {
  AuditDecision,
  AuditInput,
  AuditOutcome,
  AuditQuery,
  AuditRecord,
  BackendBindings,
  Clock,
  DriverContext,
  ExportRecord,
  ExportSelector,
  Journal,
  JournalDriver,
  JournalStore,
  NewSession,
  RetentionPolicy,
  RetentionReport,
  Session,
  SessionListQuery,
  SessionPatch,
  StoredEvents,
  StreamEvent,
} from './types.ts';
