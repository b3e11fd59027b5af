/**
 * `createJournal({ driver })`: the one front every driver sits behind. It validates input,
 * formats and checks event ids, applies the clock, and refuses calls after `close()`; the driver
 * only stores. Pure: no runtime API beyond timers.
 */
import { JournalClosedError, JournalInvalidEventIdError, JournalInvalidInputError } from './errors.ts';
import { formatEventId, parseEventId } from './event-id.ts';
import type { SessionLeases } from './leases.ts';
import { isExpired } from './session.ts';
import type {
  AuditDecision,
  AuditInput,
  AuditOutcome,
  AuditQuery,
  AuditRecord,
  Clock,
  ExportSelector,
  Journal,
  JournalDriver,
  JournalStore,
  NewSession,
  RetentionPolicy,
  RetentionReport,
  Session,
  SessionListQuery,
  StreamEvent,
} from './types.ts';
import {
  assertCount,
  assertId,
  assertMillis,
  assertName,
  assertPayload,
  optionalName,
  optionalObject,
  optionalPayload,
} from './validate.ts';

export interface JournalOptions {
  driver: JournalDriver;
  /** Where "now" comes from (default `Date.now`). */
  clock?: Clock;
  /** Idle time-to-live of a session (default 30 minutes); `null` = sessions never expire. */
  sessionTtlMs?: number | null;
  /** The largest payload (event data, audit request or response) accepted, in UTF-8 bytes (default 16 MiB). */
  maxPayloadBytes?: number;
  /**
   * Age, size and per-stream limits (`null` or absent: no such limit). When `maxAgeMs` or
   * `maxBytes` is set, `retain()` runs once as the journal opens and then every `intervalMs`
   * (default 60 s; `null`: only when `retain()` is called). With `maxBytes`, a run also starts
   * once a tenth of `maxBytes` has been written since the last one began (payload characters, an
   * upper bound on what compression stores), so a fast writer cannot carry the file far past the
   * limit between two periodic runs.
   */
  retention?: RetentionOptions;
  /** Told of each retention run the journal starts on its own (on open, then periodic). */
  onRetention?: (report: RetentionReport) => void;
  /** Errors of background work (a failed group commit, a failed periodic retention). Default: `console.error`. */
  onError?: (error: unknown) => void;
}

/** `JournalOptions.retention`: the limits, each `null` for none, and the period of the runs. */
export type RetentionOptions = { [K in keyof RetentionPolicy]?: RetentionPolicy[K] | null } & {
  intervalMs?: number | null;
};

export const DEFAULT_SESSION_TTL_MS = 30 * 60_000;
export const DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
/** How often retention runs when a limit is set and `intervalMs` is not. */
export const DEFAULT_RETENTION_INTERVAL_MS = 60_000;
/** With `maxBytes`: a run starts early once this share of `maxBytes` has been written since the last. */
export const RETENTION_WRITE_SHARE = 0.1;
/** A session's `state`, and each change to it, as JSON. */
const MAX_SESSION_STATE_BYTES = 64 * 1024;
const DEFAULT_READ_LIMIT = 1000;
const MAX_READ_LIMIT = 100_000;
const DEFAULT_LIST_LIMIT = 100;
/** Sessions are whole records (state up to 64 KiB each): a listing is bounded, and a larger one is a mistake. */
export const MAX_LIST_SESSIONS = 10_000;
const OUTCOMES: ReadonlySet<AuditOutcome> = new Set(['ok', 'error', 'cancelled', 'timeout', 'rejected']);
const DECISIONS: ReadonlySet<AuditDecision> = new Set(['allowed', 'denied']);

const systemClock: Clock = { now: () => Date.now() };

/** Opens the driver's store and returns the journal in front of it. */
export async function createJournal(options: JournalOptions): Promise<Journal> {
  if (!options || typeof options.driver?.open !== 'function') {
    throw new JournalInvalidInputError(
      'driver',
      'expected a driver, e.g. sqliteDriver({ path }) or memoryDriver()',
    );
  }
  const clock = options.clock ?? systemClock;
  const sessionTtlMs = options.sessionTtlMs === undefined ? DEFAULT_SESSION_TTL_MS : options.sessionTtlMs;
  if (sessionTtlMs !== null) assertCount('sessionTtlMs', sessionTtlMs);
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  assertCount('maxPayloadBytes', maxPayloadBytes);
  const retention = options.retention ?? {};
  if (typeof retention !== 'object' || retention === null) {
    throw new JournalInvalidInputError('retention', 'expected an object of limits');
  }
  const policy: RetentionPolicy = {};
  for (const key of ['maxAgeMs', 'maxBytes', 'maxEventsPerStream'] as const) {
    const value = retention[key];
    if (value === undefined || value === null) continue;
    assertCount(`retention.${key}`, value);
    policy[key] = value;
  }
  const limited = policy.maxAgeMs !== undefined || policy.maxBytes !== undefined;
  let intervalMs = retention.intervalMs;
  if (intervalMs === undefined) intervalMs = limited ? DEFAULT_RETENTION_INTERVAL_MS : null;
  if (intervalMs !== null) assertCount('retention.intervalMs', intervalMs);
  const onError = options.onError ?? ((error: unknown) => console.error('[@switchyard/journal]', error));

  const store = await options.driver.open({ clock, maxEventsPerStream: policy.maxEventsPerStream, onError });
  const journal = new StoreJournal(options.driver.name, store, clock, sessionTtlMs, maxPayloadBytes, policy);
  // A reader (readonly store) leaves deleting to the writer. Otherwise a run now takes what a
  // gateway that was killed left past its limits; it goes on in the background while the journal
  // serves, in short batches (close() stops it between two).
  if (limited && intervalMs !== null && store.readonly !== true) {
    journal.retainEvery(intervalMs, options.onRetention, onError);
  }
  return journal;
}

class StoreJournal implements Journal {
  #closing: Promise<void> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** The background retention run under way, if any: the next tick skips rather than queues. */
  #running = false;
  /** Starts a background run (skipped while one is under way); set by `retainEvery`. */
  #runRetention: (() => void) | undefined;
  /** Payload characters written since the last background run began. */
  #written = 0;
  /** With `maxBytes` and background runs: `#written` past this starts a run early. */
  #writeTrigger = Number.POSITIVE_INFINITY;

  readonly leases: SessionLeases | undefined;

  constructor(
    readonly driver: string,
    private readonly store: JournalStore,
    private readonly clock: Clock,
    private readonly sessionTtlMs: number | null,
    private readonly maxPayloadBytes: number,
    private readonly policy: RetentionPolicy,
  ) {
    this.leases = store.leases;
  }

  async createSession(input: NewSession): Promise<Session> {
    this.#open('createSession');
    if (typeof input !== 'object' || input === null)
      throw new JournalInvalidInputError('session', 'expected an object');
    const id = input.id ?? crypto.randomUUID();
    assertId('session.id', id);
    assertName('session.protocolVersion', input.protocolVersion, 64);
    const ttlMs = input.ttlMs === undefined ? this.sessionTtlMs : input.ttlMs;
    if (ttlMs !== null) assertCount('session.ttlMs', ttlMs);
    const bindings: Record<string, string> = {};
    for (const [backend, worker] of Object.entries(input.bindings ?? {})) {
      assertName('session.bindings key', backend);
      assertName(`session.bindings[${backend}]`, worker);
      bindings[backend] = worker;
    }
    const now = this.clock.now();
    const session: Session = {
      id,
      principal: optionalName('session.principal', input.principal, 1024),
      protocolVersion: input.protocolVersion,
      clientInfo: optionalObject('session.clientInfo', input.clientInfo, 64 * 1024),
      bindings,
      state: optionalObject('session.state', input.state, MAX_SESSION_STATE_BYTES) ?? {},
      createdAt: now,
      lastSeenAt: now,
      ttlMs,
      expiresAt: ttlMs === null ? null : now + ttlMs,
    };
    await this.store.insertSession(session);
    return session;
  }

  async getSession(id: string): Promise<Session | undefined> {
    this.#open('getSession');
    assertId('sessionId', id);
    const session = await this.store.getSession(id);
    return session && !isExpired(session, this.clock.now()) ? session : undefined;
  }

  async touchSession(id: string): Promise<Session | undefined> {
    this.#open('touchSession');
    assertId('sessionId', id);
    return this.store.updateSession(id, { now: this.clock.now(), touch: true });
  }

  async bindSession(id: string, backend: string, worker: string | null): Promise<Session | undefined> {
    this.#open('bindSession');
    assertId('sessionId', id);
    assertName('backend', backend);
    if (worker !== null) assertName('worker', worker);
    return this.store.updateSession(id, { now: this.clock.now(), bindings: { [backend]: worker } });
  }

  async updateSessionState(id: string, changes: Record<string, unknown>): Promise<Session | undefined> {
    this.#open('updateSessionState');
    assertId('sessionId', id);
    const state = optionalObject('state', changes, MAX_SESSION_STATE_BYTES);
    if (state === null) throw new JournalInvalidInputError('state', 'expected a plain object, got null');
    return this.store.updateSession(id, { now: this.clock.now(), state });
  }

  async deleteSession(id: string): Promise<boolean> {
    this.#open('deleteSession');
    assertId('sessionId', id);
    return this.store.deleteSession(id);
  }

  async expireSessions(): Promise<number> {
    this.#open('expireSessions');
    return this.store.expireSessions(this.clock.now());
  }

  async listSessions(query: SessionListQuery = {}): Promise<Session[]> {
    this.#open('listSessions');
    if (typeof query !== 'object' || query === null)
      throw new JournalInvalidInputError('query', 'expected an object');
    const limit = query.limit ?? DEFAULT_LIST_LIMIT;
    assertCount('query.limit', limit);
    if (limit > MAX_LIST_SESSIONS) {
      throw new JournalInvalidInputError(
        'query.limit',
        `expected at most ${MAX_LIST_SESSIONS}, got ${limit}`,
      );
    }
    if (query.seenSince !== undefined) assertMillis('query.seenSince', query.seenSince);
    return this.store.listSessions(this.clock.now(), {
      limit,
      ...(query.seenSince !== undefined && { seenSince: query.seenSince }),
    });
  }

  async append(streamId: string, data: string, options?: { sessionId?: string }): Promise<string> {
    this.#open('append');
    assertId('streamId', streamId);
    assertPayload('event data', data, this.maxPayloadBytes);
    const sessionId = options?.sessionId;
    if (sessionId !== undefined) assertId('sessionId', sessionId);
    const seq = await this.store.appendEvent(streamId, sessionId, this.clock.now(), data);
    this.#wrote(data.length);
    return formatEventId(streamId, seq);
  }

  async readAfter(
    streamId: string,
    lastEventId?: string,
    options?: { limit?: number },
  ): Promise<StreamEvent[]> {
    this.#open('readAfter');
    assertId('streamId', streamId);
    const limit = options?.limit ?? DEFAULT_READ_LIMIT;
    assertCount('limit', limit);
    let after = 0;
    if (lastEventId !== undefined) {
      const parsed = parseEventId(lastEventId);
      if (parsed.streamId !== streamId) {
        throw new JournalInvalidEventIdError(
          lastEventId,
          'other-stream',
          `it belongs to stream ${JSON.stringify(parsed.streamId)}, not ${JSON.stringify(streamId)}`,
        );
      }
      after = parsed.seq;
    }
    const stored = await this.store.readEvents(streamId, after, Math.min(limit, MAX_READ_LIMIT));
    if (!stored) {
      if (lastEventId === undefined) return [];
      throw new JournalInvalidEventIdError(
        lastEventId,
        'unknown-stream',
        `the journal holds no stream ${JSON.stringify(streamId)} (never written, deleted or expired)`,
      );
    }
    if (lastEventId !== undefined) {
      if (after > stored.lastSeq) {
        throw new JournalInvalidEventIdError(
          lastEventId,
          'not-issued',
          `stream ${JSON.stringify(streamId)} has issued events up to ${stored.lastSeq} only`,
        );
      }
      const oldestNeeded = after + 1;
      const lost = stored.firstSeq === undefined ? after < stored.lastSeq : stored.firstSeq > oldestNeeded;
      if (lost) {
        throw new JournalInvalidEventIdError(
          lastEventId,
          'expired',
          `events after it were removed by retention (oldest kept: ${stored.firstSeq ?? 'none'})`,
        );
      }
    }
    return stored.events.map((e) => ({ id: formatEventId(streamId, e.seq), streamId, ...e }));
  }

  async audit(entry: AuditInput): Promise<void> {
    this.#open('audit');
    if (typeof entry !== 'object' || entry === null)
      throw new JournalInvalidInputError('audit', 'expected an object');
    const time = entry.time ?? this.clock.now();
    assertMillis('audit.time', time);
    assertName('audit.method', entry.method);
    assertMillis('audit.durationMs', entry.durationMs);
    if (!OUTCOMES.has(entry.outcome)) {
      throw new JournalInvalidInputError('audit.outcome', `expected one of ${[...OUTCOMES].join(', ')}`);
    }
    const decision = entry.decision ?? null;
    if (decision !== null && !DECISIONS.has(decision)) {
      throw new JournalInvalidInputError('audit.decision', `expected one of ${[...DECISIONS].join(', ')}`);
    }
    const sessionId = entry.sessionId ?? null;
    if (sessionId !== null) assertId('audit.sessionId', sessionId);
    const record: Omit<AuditRecord, 'id'> = {
      time,
      sessionId,
      principal: optionalName('audit.principal', entry.principal, 1024),
      backend: optionalName('audit.backend', entry.backend),
      worker: optionalName('audit.worker', entry.worker),
      method: entry.method,
      name: optionalName('audit.name', entry.name, 1024),
      durationMs: entry.durationMs,
      outcome: entry.outcome,
      error: optionalPayload('audit.error', entry.error, 64 * 1024),
      request: optionalPayload('audit.request', entry.request, this.maxPayloadBytes),
      response: optionalPayload('audit.response', entry.response, this.maxPayloadBytes),
      clientId: optionalName('audit.clientId', entry.clientId, 1024),
      decision,
      rule: optionalName('audit.rule', entry.rule, 1024),
    };
    await this.store.appendAudit(record);
    this.#wrote((record.request?.length ?? 0) + (record.response?.length ?? 0) + (record.error?.length ?? 0));
  }

  async queryAudit(query: AuditQuery = {}): Promise<AuditRecord[]> {
    this.#open('queryAudit');
    const limit = query.limit ?? DEFAULT_READ_LIMIT;
    assertCount('query.limit', limit);
    if (query.sessionId !== undefined) assertId('query.sessionId', query.sessionId);
    if (query.since !== undefined) assertMillis('query.since', query.since);
    if (query.until !== undefined) assertMillis('query.until', query.until);
    if (query.afterId !== undefined) assertCount('query.afterId', query.afterId, 0);
    return this.store.queryAudit({ ...query, limit: Math.min(limit, MAX_READ_LIMIT) });
  }

  async retain(): Promise<RetentionReport> {
    this.#open('retain');
    return this.store.retain(this.policy, this.clock.now());
  }

  /** Throws at once (closed journal, bad selector); the lines follow as they are read. */
  export(selector: ExportSelector): AsyncIterable<string> {
    this.#open('export');
    if (typeof selector !== 'object' || selector === null) {
      throw new JournalInvalidInputError('export selector', 'expected { sessionId } or { since, until }');
    }
    if ('sessionId' in selector) assertId('export.sessionId', selector.sessionId);
    else {
      assertMillis('export.since', selector.since);
      assertMillis('export.until', selector.until);
    }
    return this.#lines(selector);
  }

  async *#lines(selector: ExportSelector): AsyncIterable<string> {
    for await (const record of this.store.exportRecords(selector)) {
      yield `${JSON.stringify(record)}\n`;
      // The caller may close the journal while holding the iterator; stop before touching the store.
      this.#open('export');
    }
  }

  async flush(): Promise<void> {
    this.#open('flush');
    await this.store.flush();
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#timer !== undefined) clearInterval(this.#timer);
      await this.store.close();
    })();
    return this.#closing;
  }

  /** Runs `retain()` now and then every `intervalMs`, never two at once. */
  retainEvery(
    intervalMs: number,
    onReport: ((report: RetentionReport) => void) | undefined,
    onError: (error: unknown) => void,
  ): void {
    const run = () => {
      if (this.#closing || this.#running) return;
      this.#running = true;
      this.#written = 0;
      this.retain()
        .then((report) => onReport?.(report))
        .catch((error) => {
          // Closing stops a run between two batches; a run that finds the journal closed is not an error.
          if (!this.#closing) onError(error);
        })
        .finally(() => {
          this.#running = false;
        });
    };
    this.#runRetention = run;
    if (this.policy.maxBytes !== undefined) this.#writeTrigger = this.policy.maxBytes * RETENTION_WRITE_SHARE;
    run();
    this.#timer = setInterval(run, intervalMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #open(method: string): void {
    if (this.#closing) throw new JournalClosedError(method);
  }

  /** Counts `chars` written; past the write trigger, starts a background run (unless one is under way). */
  #wrote(chars: number): void {
    this.#written += chars;
    if (this.#written >= this.#writeTrigger) this.#runRetention?.();
  }
}
