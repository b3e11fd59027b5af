/**
 * The journal's contract: what a caller sees (`Journal`) and what a storage driver implements
 * (`JournalDriver` → `JournalStore`). Pure types, no runtime.
 */
import type { SessionLeases } from './leases.ts';

/** Milliseconds since the epoch. Injected so expiry and retention can be tested without waiting. */
export interface Clock {
  now(): number;
}

/** Which worker serves a session for one backend: `bindings[backend] = worker`. */
export type BackendBindings = Record<string, string>;

/** A front session as journaled. Times are milliseconds since the epoch. */
export interface Session {
  id: string;
  /** Who the client is, as auth decided; `null` for anonymous clients. */
  principal: string | null;
  /** The MCP protocol version the session negotiated, e.g. `2025-06-18`. */
  protocolVersion: string;
  /** The client's `clientInfo` (any JSON object), or `null`. */
  clientInfo: Record<string, unknown> | null;
  bindings: BackendBindings;
  /**
   * What the session's owner keeps to continue it elsewhere or after a restart (the coordinator's
   * client capabilities, log level, subscriptions …): a JSON object the journal stores as it is.
   */
  state: Record<string, unknown>;
  createdAt: number;
  lastSeenAt: number;
  /** Idle time-to-live; `null` for a session that never expires. */
  ttlMs: number | null;
  /** `lastSeenAt + ttlMs`, or `null`. A session is expired once `now >= expiresAt`. */
  expiresAt: number | null;
}

export interface NewSession {
  /** Visible ASCII (0x21–0x7E), 1–256 characters; a random UUID when left out. */
  id?: string;
  principal?: string | null;
  protocolVersion: string;
  clientInfo?: Record<string, unknown> | null;
  bindings?: BackendBindings;
  /** The session's initial `state` (a JSON object, at most 64 KiB as JSON); `{}` when left out. */
  state?: Record<string, unknown>;
  /** Overrides the journal's `sessionTtlMs` for this session; `null` = never expires. */
  ttlMs?: number | null;
}

/**
 * A change to a session, applied atomically by the driver (so two concurrent binds of different
 * backends both land). Drivers use `applySessionPatch` to apply it.
 */
export interface SessionPatch {
  /** The time of the change; the session's `lastSeenAt` when `touch` is set. */
  now: number;
  touch?: boolean;
  /** `worker` binds `backend`; `null` removes its binding. */
  bindings?: Record<string, string | null>;
  protocolVersion?: string;
  clientInfo?: Record<string, unknown> | null;
  /** Sets these top-level keys of `state`; a key set to `null` is removed. */
  state?: Record<string, unknown>;
}

/** One message of a resumable stream. */
export interface StreamEvent {
  /** `<streamId>#<seq>`: what the SSE `id:` field carries and `Last-Event-ID` brings back. */
  id: string;
  streamId: string;
  /** 1, 2, 3 … per stream, never reused while the stream exists. */
  seq: number;
  time: number;
  /** The message as sent (usually a serialized JSON-RPC message). */
  data: string;
}

export type AuditOutcome = 'ok' | 'error' | 'cancelled' | 'timeout' | 'rejected';

/** What the access policy said of a call: `allowed` or `denied`. */
export type AuditDecision = 'allowed' | 'denied';

/** One tool call / request, as the gateway saw it. */
export interface AuditInput {
  /** When the request arrived; the journal's clock when left out. */
  time?: number;
  sessionId?: string | null;
  principal?: string | null;
  backend?: string | null;
  worker?: string | null;
  /** JSON-RPC method, e.g. `tools/call`. */
  method: string;
  /** The tool / prompt / resource name, where the method has one. */
  name?: string | null;
  durationMs: number;
  outcome: AuditOutcome;
  /** A short error description when the outcome is not `ok`. */
  error?: string | null;
  /** The request message as received. */
  request?: string | null;
  /** The response message as sent. */
  response?: string | null;
  /** The OAuth client the caller's token was issued to (`client_id` / `azp`), when known. */
  clientId?: string | null;
  /** The access policy's decision on a call (lists, pings and the like have none). */
  decision?: AuditDecision | null;
  /** The policy rule that made the decision; `null` when none matched and the default applied. */
  rule?: string | null;
}

export interface AuditRecord {
  /** Increasing in the order entries were written. */
  id: number;
  time: number;
  sessionId: string | null;
  principal: string | null;
  backend: string | null;
  worker: string | null;
  method: string;
  name: string | null;
  durationMs: number;
  outcome: AuditOutcome;
  error: string | null;
  request: string | null;
  response: string | null;
  clientId: string | null;
  decision: AuditDecision | null;
  rule: string | null;
}

export interface AuditQuery {
  sessionId?: string;
  /** Inclusive lower bound on `time`. */
  since?: number;
  /** Exclusive upper bound on `time`. */
  until?: number;
  /** Only entries with a greater `id` (to page through results). */
  afterId?: number;
  /** At most this many entries (default 1000). */
  limit?: number;
}

/** `Journal.listSessions`: which sessions, how many. */
export interface SessionListQuery {
  /** At most this many (default 100, at most 10 000). */
  limit?: number;
  /** Only sessions seen at or after this time (`lastSeenAt`), ms since the epoch. */
  seenSince?: number;
}

/** What `export` writes: one session, or everything in a time range `[since, until)`. */
export type ExportSelector = { sessionId: string } | { since: number; until: number };

/** One record of an export; `Journal.export` yields each as one JSON line. */
export type ExportRecord =
  | ({ type: 'session' } & Session)
  | ({ type: 'event' } & StreamEvent)
  | ({ type: 'audit' } & AuditRecord);

export interface RetentionPolicy {
  /** Events and audit entries older than this are deleted by `retain()`. */
  maxAgeMs?: number;
  /** `retain()` deletes the oldest events and audit entries until the store holds at most this much. */
  maxBytes?: number;
  /** Each stream keeps only its newest events; older ones go as new ones are written. */
  maxEventsPerStream?: number;
}

export interface RetentionReport {
  sessionsExpired: number;
  streamsDeleted: number;
  eventsDeleted: number;
  auditDeleted: number;
  /** The store's size before and after (for SQLite: the database file, after vacuum). */
  bytesBefore: number;
  bytesAfter: number;
}

/** What the journal gives a caller. Every method is async, so a networked driver fits too. */
export interface Journal {
  /** The driver's name: `sqlite`, `memory`, … */
  readonly driver: string;

  createSession(input: NewSession): Promise<Session>;
  /** The session, or `undefined` when it does not exist or has expired. */
  getSession(id: string): Promise<Session | undefined>;
  /** Marks the session seen now and extends its expiry; `undefined` when gone or expired. */
  touchSession(id: string): Promise<Session | undefined>;
  /** Binds (`worker`) or unbinds (`null`) a backend of the session; `undefined` when gone or expired. */
  bindSession(id: string, backend: string, worker: string | null): Promise<Session | undefined>;
  /**
   * Sets top-level keys of the session's `state` (`null` removes one), leaving the others, in one
   * atomic change; the changes at most 64 KiB as JSON. `undefined` when gone or expired.
   */
  updateSessionState(id: string, changes: Record<string, unknown>): Promise<Session | undefined>;
  /** Deletes the session and its streams' events (audit entries stay). Whether it existed. */
  deleteSession(id: string): Promise<boolean>;
  /** Deletes every session whose expiry has passed, with its streams. How many were deleted. */
  expireSessions(): Promise<number>;
  /**
   * The sessions not expired at the journal's clock, newest created first (ties: greater id
   * first), at most `limit`. For listing (an admin's view), not for the request path.
   */
  listSessions(query?: SessionListQuery): Promise<Session[]>;

  /**
   * Appends a message to a stream and returns its event id. The event is buffered; `flush()`
   * makes it durable. `sessionId` ties a new stream to its session (deleted with it).
   */
  append(streamId: string, data: string, options?: { sessionId?: string }): Promise<string>;
  /**
   * The stream's events after `lastEventId` (all of them when left out), oldest first, at most
   * `limit` (default 1000). Throws `JournalInvalidEventIdError` when the id is malformed, names
   * another stream, was never issued, or the events after it are no longer kept.
   */
  readAfter(streamId: string, lastEventId?: string, options?: { limit?: number }): Promise<StreamEvent[]>;

  /** Records one request / tool call. Buffered like `append`. */
  audit(entry: AuditInput): Promise<void>;
  queryAudit(query?: AuditQuery): Promise<AuditRecord[]>;

  /** Applies age and size retention (and expires sessions); per-stream limits apply as events are written. */
  retain(): Promise<RetentionReport>;
  /** One JSON object per line, each line ending in `\n`. */
  export(selector: ExportSelector): AsyncIterable<string>;

  /** Resolves when everything written before the call is durable. */
  flush(): Promise<void>;
  /** Flushes, then releases the store. Idempotent; other methods throw `JournalClosedError` after. */
  close(): Promise<void>;

  /**
   * Session ownership, when several nodes share the store (the Redis driver); `undefined` for a
   * store one process holds.
   */
  readonly leases: SessionLeases | undefined;
}

/** What the journal hands a driver when it opens it. */
export interface DriverContext {
  clock: Clock;
  /** Per-stream limit, applied by the driver as events are written. */
  maxEventsPerStream: number | undefined;
  /** Errors of background work (a failed group commit), for logging. */
  onError: (error: unknown) => void;
}

/** A storage backend: `sqliteDriver(...)`, `memoryDriver()`, or your own. */
export interface JournalDriver {
  readonly name: string;
  open(context: DriverContext): Promise<JournalStore>;
}

/** A stream's events as a driver returns them, with the stream's bounds. */
export interface StoredEvents {
  /** The highest seq ever issued on the stream. */
  lastSeq: number;
  /** The lowest seq still kept, or `undefined` when none is kept. */
  firstSeq: number | undefined;
  events: Array<{ seq: number; time: number; data: string }>;
}

/**
 * What a driver implements. The journal validates every input, formats event ids and guards
 * against use after close before calling in; a driver stores and retrieves.
 */
export interface JournalStore {
  /** True when every write throws (`sqliteDriver({ readonly: true })`): the journal runs no retention. */
  readonly readonly?: boolean;
  /** Session ownership, for a store several nodes share. */
  readonly leases?: SessionLeases;
  /** Throws `JournalConflictError` when the id is taken. */
  insertSession(session: Session): Promise<void>;
  getSession(id: string): Promise<Session | undefined>;
  /** Applies `patch` atomically (see `applySessionPatch`); `undefined` when gone or expired. */
  updateSession(id: string, patch: SessionPatch): Promise<Session | undefined>;
  deleteSession(id: string): Promise<boolean>;
  expireSessions(now: number): Promise<number>;
  /**
   * Sessions not expired at `now` (and seen at or after `seenSince`), newest `createdAt` first,
   * ties by id descending, at most `limit`; including writes not yet committed.
   */
  listSessions(
    now: number,
    query: Required<Pick<SessionListQuery, 'limit'>> & SessionListQuery,
  ): Promise<Session[]>;

  /** Appends and returns the event's seq (the stream's previous last seq + 1). */
  appendEvent(streamId: string, sessionId: string | undefined, time: number, data: string): Promise<number>;
  /** `undefined` when the stream is unknown (never written, or deleted). */
  readEvents(streamId: string, afterSeq: number, limit: number): Promise<StoredEvents | undefined>;

  appendAudit(entry: Omit<AuditRecord, 'id'>): Promise<void>;
  queryAudit(query: Required<Pick<AuditQuery, 'limit'>> & AuditQuery): Promise<AuditRecord[]>;

  retain(policy: RetentionPolicy, now: number): Promise<RetentionReport>;
  exportRecords(selector: ExportSelector): AsyncIterable<ExportRecord>;

  flush(): Promise<void>;
  close(): Promise<void>;
}
