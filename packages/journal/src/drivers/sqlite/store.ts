/**
 * The SQLite store behind `sqliteDriver`. Writes (sessions, events, audit) go through the group
 * committer and land in one `BEGIN IMMEDIATE` transaction per batch; reads of sessions see the
 * writes still buffered (an overlay), and the rarer reads (replay, audit queries, export,
 * retention) flush first, then read the file. Every statement is prepared once.
 */
import type { Database, Statement } from 'bun:sqlite';
import type { CompressionOptions } from '../../codec/codec.ts';
import { JournalClosedError, JournalConflictError, JournalReadOnlyError } from '../../errors.ts';
import { formatEventId } from '../../event-id.ts';
import { type GroupCommitLimits, GroupCommitter } from '../../group-commit.ts';
import { applySessionPatch, copySession } from '../../session.ts';
import type {
  AuditDecision,
  AuditOutcome,
  AuditQuery,
  AuditRecord,
  DriverContext,
  ExportRecord,
  ExportSelector,
  JournalStore,
  RetentionPolicy,
  RetentionReport,
  Session,
  SessionListQuery,
  SessionPatch,
  StoredEvents,
} from '../../types.ts';
import { type OpenOptions, openDatabase } from './open.ts';
import {
  type AuditOp,
  type EventOp,
  type Op,
  type SessionDeleteOp,
  type SessionPutOp,
  sizeOf,
} from './ops.ts';
import { type PayloadColumns, PayloadStore, payloadSelect } from './payloads.ts';
import { type SessionRow, sessionOf } from './session-row.ts';
import { ThreadWriter } from './thread-writer.ts';
import { BatchWriter, prepareWrites } from './writer.ts';

export interface CommitInfo {
  /** Records in the batch. */
  records: number;
  /** Time the transaction took, compression included. */
  durationMs: number;
}

export interface SqliteStoreOptions extends OpenOptions {
  path: string;
  groupCommit: GroupCommitLimits;
  compression: CompressionOptions | false;
  onCommit: ((info: CommitInfo) => void) | undefined;
  /** `inline`: batches are written on this thread; `thread`: on a worker thread of their own. */
  writer: 'inline' | 'thread';
}

type EventRow = PayloadColumns & { stream_id: string; seq: number; time: number };

interface AuditRow {
  id: number;
  time: number;
  session_id: string | null;
  principal: string | null;
  backend: string | null;
  worker: string | null;
  method: string;
  name: string | null;
  duration_ms: number;
  outcome: string;
  error: string | null;
  /** Absent from a file older than version 6 opened read-only. */
  client_id?: string | null;
  decision?: string | null;
  rule?: string | null;
  rq_codec: number | null;
  rq_size: number | null;
  rq_data: Uint8Array | null;
  rq_block_id: number | null;
  rq_block_offset: number | null;
  rs_codec: number | null;
  rs_size: number | null;
  rs_data: Uint8Array | null;
  rs_block_id: number | null;
  rs_block_offset: number | null;
}

/** What a retention run deleted, row by row. */
interface Tally {
  streams: number;
  events: number;
  audit: number;
}

const PAGE = 256;
/**
 * Rows deleted per retention transaction: each is short, so the writer (another connection, or
 * the group committer on this one) and the event loop get their turn between them.
 */
const DELETE_BATCH = 1000;
/** Sessions expired per transaction (each takes its streams' events with it). */
const SESSION_BATCH = 100;
const MAX_TIME = Number.MAX_SAFE_INTEGER;

const RQ = payloadSelect('rq', 'rq_');
const RS = payloadSelect('rs', 'rs_');
// `a.*`: a reader of a file older than version 6 (no migration) has no client_id, decision, rule.
const AUDIT_SELECT = `SELECT a.*, ${RQ.columns}, ${RS.columns}
  FROM audit a LEFT JOIN payloads rq ON rq.id = a.request_id ${RQ.join}
  LEFT JOIN payloads rs ON rs.id = a.response_id ${RS.join}`;
const P = payloadSelect('p', '');
const EVENT_SELECT = `SELECT e.stream_id, e.seq, e.time, ${P.columns}
  FROM events e JOIN payloads p ON p.id = e.payload_id ${P.join}`;

export async function openSqliteStore(
  options: SqliteStoreOptions,
  context: DriverContext,
): Promise<SqliteStore> {
  const db = openDatabase(options.path, options);
  const writerOptions = { compression: options.compression, maxEventsPerStream: context.maxEventsPerStream };
  if (options.readonly) return new SqliteStore(db, 'readonly', options, context);
  if (options.writer === 'inline')
    return new SqliteStore(db, new BatchWriter(db, writerOptions), options, context);
  let writer: ThreadWriter;
  try {
    const { synchronous, busyTimeoutMs, cacheSizeKiB, mmapSizeBytes, integrityCheck } = options;
    const open = { synchronous, busyTimeoutMs, cacheSizeKiB, mmapSizeBytes, integrityCheck, readonly: false };
    writer = await ThreadWriter.start(options.path, open, writerOptions);
  } catch (error) {
    db.close(true);
    throw error;
  }
  return new SqliteStore(db, writer, options, context);
}

/** Where a store's batches are written: here (`BatchWriter`) or on the writer thread (`ThreadWriter`). */
interface Writer {
  commit(batch: Op[]): void | Promise<void>;
  /** After the last commit: `BatchWriter.finish` here; the thread finishes and closes its connection. */
  close(): void | Promise<void>;
}

export class SqliteStore implements JournalStore {
  readonly #db: Database;
  readonly #payloads: PayloadStore;
  readonly #committer: GroupCommitter<Op>;
  readonly #writer: Writer;
  readonly #s;
  /** Sessions written but not yet committed: what `getSession` must see. */
  readonly #sessionOps = new Map<string, SessionPutOp | SessionDeleteOp>();
  /** The newest uncommitted event per stream: where the next seq continues from. */
  readonly #pendingEvents = new Map<string, EventOp>();
  #closing: Promise<void> | undefined;
  /** The retention run under way: runs queue behind it, and `close()` waits for it. */
  #retaining: Promise<unknown> = Promise.resolve();
  readonly readonly: boolean;

  constructor(
    db: Database,
    writer: BatchWriter | ThreadWriter | 'readonly',
    private readonly options: SqliteStoreOptions,
    context: DriverContext,
  ) {
    this.#db = db;
    this.#payloads = new PayloadStore(db, options.compression);
    // A reader writes nothing (every write is refused first), and the write statements would not
    // even prepare against an older schema it does not migrate.
    const writes = writer === 'readonly' ? ({} as ReturnType<typeof prepareWrites>) : prepareWrites(db);
    this.#s = { ...prepare(db), ...writes };
    this.readonly = writer === 'readonly';
    this.#writer =
      writer === 'readonly'
        ? {
            commit: () => {
              throw this.#readOnly();
            },
            close: () => {},
          }
        : writer instanceof BatchWriter
          ? { commit: (b) => writer.commit(b), close: () => writer.finish() }
          : writer;
    this.#committer = new GroupCommitter<Op>(options.groupCommit, {
      sizeOf,
      commit: (batch) => this.#commit(batch),
      onError: context.onError,
    });
  }

  // Sessions.

  async insertSession(session: Session): Promise<void> {
    this.#open('createSession', true);
    if (this.#peekSession(session.id)) throw new JournalConflictError(session.id);
    const stored = copySession(session);
    await this.#committer.push(
      () => this.#sessionOp({ kind: 'session-put', session: stored }),
      'createSession',
    );
  }

  async getSession(id: string): Promise<Session | undefined> {
    this.#open('getSession');
    const session = this.#peekSession(id);
    return session && copySession(session);
  }

  async updateSession(id: string, patch: SessionPatch): Promise<Session | undefined> {
    this.#open('updateSession', true);
    const current = this.#peekSession(id);
    const next = current && applySessionPatch(current, patch);
    if (!next) return undefined;
    await this.#committer.push(
      () => this.#sessionOp({ kind: 'session-put', session: next, patch }),
      'updateSession',
    );
    return copySession(next);
  }

  async deleteSession(id: string): Promise<boolean> {
    this.#open('deleteSession', true);
    const existed = this.#peekSession(id) !== undefined;
    await this.#committer.push(() => this.#sessionOp({ kind: 'session-delete', id }), 'deleteSession');
    return existed;
  }

  async expireSessions(now: number): Promise<number> {
    this.#open('expireSessions', true);
    return this.#serially(async () => {
      await this.#committer.flush();
      return this.#expireAll(now);
    });
  }

  async listSessions(now: number, query: SessionListQuery & { limit: number }): Promise<Session[]> {
    this.#open('listSessions');
    // The buffered session writes are in the overlay, not the file: commit them, then one query,
    // newest first by the sessions_created index (it reads `limit` rows plus the expired ones it
    // skips, where a scan would read and sort every session, state and all).
    await this.#committer.flush();
    return this.#s.listSessions.all(now, query.seenSince ?? 0, query.limit).map(sessionOf);
  }

  // Streams.

  async appendEvent(
    streamId: string,
    sessionId: string | undefined,
    time: number,
    data: string,
  ): Promise<number> {
    this.#open('append', true);
    let seq = 0;
    await this.#committer.push(() => {
      const previous =
        this.#pendingEvents.get(streamId)?.seq ?? this.#s.streamLastSeq.get(streamId)?.last_seq ?? 0;
      seq = previous + 1;
      const op: EventOp = { kind: 'event', streamId, sessionId: sessionId ?? null, seq, time, data };
      this.#pendingEvents.set(streamId, op);
      return op;
    }, 'append');
    return seq;
  }

  async readEvents(streamId: string, afterSeq: number, limit: number): Promise<StoredEvents | undefined> {
    this.#open('readAfter');
    await this.#committer.flush();
    const stream = this.#s.streamLastSeq.get(streamId);
    if (!stream) return undefined;
    const first = this.#s.firstSeq.get(streamId)?.first;
    const events = this.#s.readEvents.all(streamId, afterSeq, limit).map((row) => ({
      seq: row.seq,
      time: row.time,
      data: this.#payloads.readText(row),
    }));
    return { lastSeq: stream.last_seq, firstSeq: first ?? undefined, events };
  }

  // Audit.

  async appendAudit(entry: Omit<AuditRecord, 'id'>): Promise<void> {
    this.#open('audit', true);
    // The entry itself is the record (no copy per audited request): the writers read only the
    // record's named fields, and its text from `request` / `response`.
    const op: AuditOp = { kind: 'audit', record: entry, request: entry.request, response: entry.response };
    await this.#committer.push(() => op, 'audit');
  }

  async queryAudit(query: AuditQuery & { limit: number }): Promise<AuditRecord[]> {
    this.#open('queryAudit');
    await this.#committer.flush();
    const since = query.since ?? 0;
    const until = query.until ?? MAX_TIME;
    const after = query.afterId ?? 0;
    const rows =
      query.sessionId === undefined
        ? this.#s.auditPage.all(after, since, until, query.limit)
        : this.#s.auditSessionPage.all(query.sessionId, after, since, until, query.limit);
    return rows.map((row) => this.#auditRecord(row));
  }

  // Maintenance.

  async retain(policy: RetentionPolicy, now: number): Promise<RetentionReport> {
    this.#open('retain', true);
    return this.#serially(async () => {
      await this.#committer.flush();
      return this.#retain(policy, now);
    });
  }

  /**
   * Deletes in batches of `DELETE_BATCH` rows, one short transaction each, and stops between two
   * batches once the store is closing (what is deleted stays deleted; the next run goes on).
   */
  async #retain(policy: RetentionPolicy, now: number): Promise<RetentionReport> {
    const s = this.#s;
    const bytesBefore = this.#fileBytes();
    // Counted as deleted, not as before minus after: writes go on between the batches.
    const tally: Tally = { streams: 0, events: 0, audit: 0 };
    const sessionsExpired = await this.#expireAll(now, tally);
    /** One batch of `statement`, tallied under `what`; true when the batch was full (more to do). */
    const batch = (statement: Statement<never, [number, number]>, cutoff: number, what: keyof Tally) => {
      const deleted = statement.run(cutoff, DELETE_BATCH).changes;
      tally[what] += deleted;
      return deleted === DELETE_BATCH;
    };
    if (policy.maxAgeMs !== undefined) {
      const cutoff = now - policy.maxAgeMs;
      await this.#inBatches(() => batch(s.deleteEventsBefore, cutoff, 'events'));
      await this.#inBatches(() => batch(s.deleteAuditBefore, cutoff, 'audit'));
      await this.#inBatches(() => batch(s.deleteIdleStreams, cutoff, 'streams'));
    }
    // maxBytes bounds the file and its WAL: the pages kept leave room for the WAL to refill to its
    // checkpoint size (wal_autocheckpoint pages) before the next run, at most a quarter of the limit.
    // Counting the records scans both tables: only when the file is over its share.
    const maxBytes =
      policy.maxBytes === undefined
        ? undefined
        : policy.maxBytes - Math.min(policy.maxBytes / 4, this.#walBytes());
    if (maxBytes !== undefined && this.#usedBytes() > maxBytes) {
      let records = count(s.countEvents) + count(s.countAudit);
      await this.#inBatches(() => {
        const deleted = this.#shrinkStep(maxBytes, records, tally);
        records -= deleted;
        return deleted > 0;
      });
    }
    // Give the freed pages back to the file system: incremental_vacuum moves them to the end and
    // truncates (the file shrinks at the checkpoint), TRUNCATE empties the WAL.
    this.#db.run('PRAGMA incremental_vacuum');
    this.#db.run('PRAGMA wal_checkpoint(TRUNCATE)');
    return {
      sessionsExpired,
      streamsDeleted: tally.streams,
      eventsDeleted: tally.events,
      auditDeleted: tally.audit,
      bytesBefore,
      bytesAfter: this.#fileBytes(),
    };
  }

  async *exportRecords(selector: ExportSelector): AsyncIterable<ExportRecord> {
    this.#open('export');
    await this.#committer.flush();
    const s = this.#s;
    if ('sessionId' in selector) {
      const id = selector.sessionId;
      const session = s.getSession.get(id);
      if (session) yield { type: 'session', ...sessionOf(session) };
      let cursor: [string, number] = ['', 0];
      for (;;) {
        const rows = s.sessionEventsPage.all(id, cursor[0], cursor[1], PAGE);
        for (const row of rows) yield { type: 'event', ...this.#event(row) };
        if (rows.length < PAGE) break;
        const last = rows.at(-1)!;
        cursor = [last.stream_id, last.seq];
      }
      yield* this.#auditPages((after) => s.auditSessionPage.all(id, after, 0, MAX_TIME, PAGE));
      return;
    }
    const { since, until } = selector;
    for (const row of s.sessionsActive.all(until, since)) yield { type: 'session', ...sessionOf(row) };
    let cursor: [number, string, number] = [since, '', 0];
    for (;;) {
      const rows = s.rangeEventsPage.all(since, until, cursor[0], cursor[1], cursor[2], PAGE);
      for (const row of rows) yield { type: 'event', ...this.#event(row) };
      if (rows.length < PAGE) break;
      const last = rows.at(-1)!;
      cursor = [last.time, last.stream_id, last.seq];
    }
    yield* this.#auditPages((after) => s.auditPage.all(after, since, until, PAGE));
  }

  async flush(): Promise<void> {
    this.#open('flush');
    await this.#committer.flush();
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        // A retention run stops at its next batch; its errors were its caller's.
        await this.#retaining.catch(() => undefined);
        let lost: unknown;
        try {
          await this.#committer.close();
        } catch (error) {
          lost = error;
        }
        // Even when the last commit failed (close() then rejects, naming the records lost), the
        // writer closes: the writer thread must end and release its connection, or it outlives
        // the journal. Its own error then (packing beside the same lock) does not hide that one.
        if (lost === undefined) await this.#writer.close();
        else {
          await Promise.resolve()
            .then(() => this.#writer.close())
            .catch(() => undefined);
          throw lost;
        }
      } finally {
        // true: finalize the prepared statements and release the connection now, which
        // checkpoints the WAL into the file and removes it.
        this.#db.close(true);
      }
    })();
    return this.#closing;
  }

  // Internals.

  #open(method: string, writes = false): void {
    if (this.#closing) throw new JournalClosedError(method);
    if (writes && this.readonly) throw this.#readOnly();
  }

  #readOnly(): JournalReadOnlyError {
    return new JournalReadOnlyError(this.options.path, { reason: 'it was opened with readonly: true' });
  }

  /** One retention or expiry run at a time, in the order asked; `close()` waits for the last. */
  #serially<T>(run: () => Promise<T>): Promise<T> {
    const next = this.#retaining.catch(() => undefined).then(run);
    this.#retaining = next;
    return next;
  }

  /** Runs `step` (true: there is more) in a transaction of its own until done or closing. */
  async #inBatches(step: () => boolean): Promise<void> {
    // Bounded: every step that reports more has deleted at least one row.
    for (;;) {
      if (this.#closing) return;
      if (this.#db.transaction(step).immediate() !== true) return;
      // Let the event loop (and a group commit waiting for this connection) in.
      await new Promise((r) => setTimeout(r, 0));
    }
  }

  #peekSession(id: string): Session | undefined {
    const op = this.#sessionOps.get(id);
    if (op) return op.kind === 'session-put' ? op.session : undefined;
    const row = this.#s.getSession.get(id);
    return row ? sessionOf(row) : undefined;
  }

  #sessionOp<T extends SessionPutOp | SessionDeleteOp>(op: T): T {
    this.#sessionOps.set(op.kind === 'session-put' ? op.session.id : op.id, op);
    return op;
  }

  #commit(batch: Op[]): void | Promise<void> {
    const started = performance.now();
    const written = this.#writer.commit(batch);
    if (written === undefined) return this.#committed(batch, started);
    return written.then(() => this.#committed(batch, started));
  }

  /** The batch is in the file: what was held for reads of uncommitted records goes. */
  #committed(batch: Op[], started: number): void {
    for (const op of batch) {
      if (op.kind === 'event') {
        if (this.#pendingEvents.get(op.streamId) === op) this.#pendingEvents.delete(op.streamId);
      } else if (op.kind !== 'audit') {
        const id = op.kind === 'session-put' ? op.session.id : op.id;
        if (this.#sessionOps.get(id) === op) this.#sessionOps.delete(id);
      }
    }
    this.options.onCommit?.({ records: batch.length, durationMs: performance.now() - started });
  }

  /** Deletes the expired sessions with their streams, `SESSION_BATCH` per transaction. */
  async #expireAll(now: number, tally?: Tally): Promise<number> {
    let expired = 0;
    await this.#inBatches(() => {
      const ids = this.#s.expiredSessions.all(now, SESSION_BATCH);
      for (const { id } of ids) {
        if (tally) tally.events += this.#s.countSessionEvents.get(id)?.n ?? 0;
        const streams = this.#s.deleteSessionStreams.run(id).changes;
        if (tally) tally.streams += streams;
        this.#s.deleteSession.run(id);
      }
      expired += ids.length;
      return ids.length === SESSION_BATCH;
    });
    return expired;
  }

  /**
   * Inside a transaction: deletes up to `DELETE_BATCH` of the oldest events and audit entries when
   * the used pages do not fit `maxBytes`. How many it deleted (0: it fits, or nothing is left).
   * `records`: about how many events and audit entries there are.
   */
  #shrinkStep(maxBytes: number, records: number, tally: Tally): number {
    const s = this.#s;
    const used = this.#usedBytes();
    if (used <= maxBytes || records <= 0) return 0;
    // Records carry most of the bytes: drop the share that is over, and a little more.
    const share = Math.min(0.5, (used - maxBytes) / used + 0.02);
    const k = Math.min(DELETE_BATCH, Math.max(16, Math.ceil(records * share)));
    const cutoff = s.nthOldestTime.get(k, k - 1)?.time ?? MAX_TIME;
    const events = s.deleteEventsUpTo.run(cutoff, k).changes;
    const audit = s.deleteAuditUpTo.run(cutoff, k).changes;
    tally.events += events;
    tally.audit += audit;
    return events + audit;
  }

  #usedBytes(): number {
    const n = (sql: string) => Number(this.#db.query(sql).values()[0]?.[0] ?? 0);
    return (n('PRAGMA page_count') - n('PRAGMA freelist_count')) * n('PRAGMA page_size');
  }

  /** How large the WAL grows before it is checkpointed: `wal_autocheckpoint` pages. */
  #walBytes(): number {
    const n = (sql: string) => Number(this.#db.query(sql).values()[0]?.[0] ?? 0);
    return n('PRAGMA wal_autocheckpoint') * n('PRAGMA page_size');
  }

  #fileBytes(): number {
    const n = (sql: string) => Number(this.#db.query(sql).values()[0]?.[0] ?? 0);
    return n('PRAGMA page_count') * n('PRAGMA page_size');
  }

  #event(row: EventRow) {
    return {
      id: formatEventId(row.stream_id, row.seq),
      streamId: row.stream_id,
      seq: row.seq,
      time: row.time,
      data: this.#payloads.readText(row),
    };
  }

  async *#auditPages(page: (afterId: number) => AuditRow[]): AsyncIterable<ExportRecord> {
    let after = 0;
    for (;;) {
      const rows = page(after);
      for (const row of rows) yield { type: 'audit', ...this.#auditRecord(row) };
      if (rows.length < PAGE) return;
      after = rows.at(-1)!.id;
    }
  }

  #auditRecord(row: AuditRow): AuditRecord {
    const payload = (p: 'rq' | 'rs'): string | null => {
      const codec = row[`${p}_codec`];
      if (codec === null) return null;
      return this.#payloads.readText({
        codec,
        size: row[`${p}_size`]!,
        data: row[`${p}_data`],
        block_id: row[`${p}_block_id`],
        block_offset: row[`${p}_block_offset`],
      });
    };
    return {
      id: row.id,
      time: row.time,
      sessionId: row.session_id,
      principal: row.principal,
      backend: row.backend,
      worker: row.worker,
      method: row.method,
      name: row.name,
      durationMs: row.duration_ms,
      outcome: row.outcome as AuditOutcome,
      error: row.error,
      request: payload('rq'),
      response: payload('rs'),
      clientId: row.client_id ?? null,
      decision: (row.decision ?? null) as AuditDecision | null,
      rule: row.rule ?? null,
    };
  }
}

function prepare(db: Database) {
  return {
    getSession: db.prepare<SessionRow, [string]>('SELECT * FROM sessions WHERE id = ?'),
    expiredSessions: db.prepare<{ id: string }, [number, number]>(
      'SELECT id FROM sessions WHERE expires_at <= ? LIMIT ?',
    ),
    // A file of schema version 4 or older opened read-only has no sessions_created index: the same
    // query then scans and sorts.
    listSessions: db.prepare<SessionRow, [number, number, number]>(
      `SELECT * FROM sessions WHERE (expires_at IS NULL OR expires_at > ?1) AND last_seen_at >= ?2
        ORDER BY created_at DESC, id DESC LIMIT ?3`,
    ),
    sessionsActive: db.prepare<SessionRow, [number, number]>(
      'SELECT * FROM sessions WHERE created_at < ? AND last_seen_at >= ? ORDER BY created_at, id',
    ),
    streamLastSeq: db.prepare<{ last_seq: number }, [string]>('SELECT last_seq FROM streams WHERE id = ?'),
    firstSeq: db.prepare<{ first: number | null }, [string]>(
      'SELECT min(seq) AS first FROM events WHERE stream_id = ?',
    ),
    readEvents: db.prepare<EventRow, [string, number, number]>(
      `${EVENT_SELECT} WHERE e.stream_id = ? AND e.seq > ? ORDER BY e.seq LIMIT ?`,
    ),
    sessionEventsPage: db.prepare<EventRow, [string, string, number, number]>(
      `${EVENT_SELECT} WHERE e.stream_id IN (SELECT id FROM streams WHERE session_id = ?)
        AND (e.stream_id, e.seq) > (?, ?) ORDER BY e.stream_id, e.seq LIMIT ?`,
    ),
    rangeEventsPage: db.prepare<EventRow, [number, number, number, string, number, number]>(
      `${EVENT_SELECT} WHERE e.time >= ? AND e.time < ? AND (e.time, e.stream_id, e.seq) > (?, ?, ?)
        ORDER BY e.time, e.stream_id, e.seq LIMIT ?`,
    ),
    auditPage: db.prepare<AuditRow, [number, number, number, number]>(
      `${AUDIT_SELECT} WHERE a.id > ? AND a.time >= ? AND a.time < ? ORDER BY a.id LIMIT ?`,
    ),
    auditSessionPage: db.prepare<AuditRow, [string, number, number, number, number]>(
      `${AUDIT_SELECT} WHERE a.session_id = ? AND a.id > ? AND a.time >= ? AND a.time < ? ORDER BY a.id LIMIT ?`,
    ),
    countEvents: db.prepare<{ n: number }, []>('SELECT count(*) AS n FROM events'),
    countAudit: db.prepare<{ n: number }, []>('SELECT count(*) AS n FROM audit'),
    countSessionEvents: db.prepare<{ n: number }, [string]>(
      'SELECT count(*) AS n FROM events WHERE stream_id IN (SELECT id FROM streams WHERE session_id = ?)',
    ),
    // Each deletes at most ?2 rows, the oldest first (by the time indexes).
    deleteEventsBefore: db.prepare<never, [number, number]>(
      `DELETE FROM events WHERE (stream_id, seq) IN
        (SELECT stream_id, seq FROM events WHERE time < ?1 ORDER BY time LIMIT ?2)`,
    ),
    deleteAuditBefore: db.prepare<never, [number, number]>(
      'DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE time < ?1 ORDER BY time LIMIT ?2)',
    ),
    deleteEventsUpTo: db.prepare<never, [number, number]>(
      `DELETE FROM events WHERE (stream_id, seq) IN
        (SELECT stream_id, seq FROM events WHERE time <= ?1 ORDER BY time LIMIT ?2)`,
    ),
    deleteAuditUpTo: db.prepare<never, [number, number]>(
      'DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE time <= ?1 ORDER BY time LIMIT ?2)',
    ),
    deleteIdleStreams: db.prepare<never, [number, number]>(
      `DELETE FROM streams WHERE id IN (SELECT id FROM streams WHERE updated_at < ?1
        AND NOT EXISTS (SELECT 1 FROM events WHERE stream_id = streams.id) LIMIT ?2)`,
    ),
    // The time of the (?2 + 1)-th oldest event or audit entry, reading at most ?1 of each by index.
    nthOldestTime: db.prepare<{ time: number }, [number, number]>(
      `SELECT time FROM (SELECT * FROM (SELECT time FROM events ORDER BY time LIMIT ?1)
        UNION ALL SELECT * FROM (SELECT time FROM audit ORDER BY time LIMIT ?1)) ORDER BY time LIMIT 1 OFFSET ?2`,
    ),
  };
}

function count(statement: Statement<{ n: number }, []>): number {
  return statement.get()?.n ?? 0;
}
