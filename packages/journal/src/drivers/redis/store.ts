/**
 * The journal's store on Redis (or Valkey), shared by every gateway node that opens it with the
 * same key prefix. Each write is one script (scripts.ts), applied atomically by Redis and visible
 * to every node when it resolves; there is no write buffer, so `flush()` has nothing to wait for
 * and durability is Redis's own (AOF, replicas). Payloads are stored as they are.
 */
import { JournalClosedError, JournalConflictError, JournalFencedError } from '../../errors.ts';
import { formatEventId } from '../../event-id.ts';
import type { SessionLeases } from '../../leases.ts';
import { isExpired } from '../../session.ts';
import type {
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
  StreamEvent,
} from '../../types.ts';
import { utf8Length } from '../../validate.ts';
import { type RedisConnection, ScriptRunner } from './connection.ts';
import { RedisLeases } from './leases.ts';
import { decodeSession, patchOps, sessionFields } from './session-hash.ts';

export interface RedisStoreOptions {
  keyPrefix: string;
  /** How long a session's key outlives its `expiresAt` in Redis (see the README). */
  expiryGraceMs: number;
}

/** What an audit entry written before the access policy's fields reads for them. */
const NO_POLICY_FIELDS = { clientId: null, decision: null, rule: null } as const;
/** Rows handled per script call or read: long enough to be cheap, short enough not to hold Redis up. */
const BATCH = 500;
/** Most audit entries one `queryAudit` script call reads (Redis runs nothing else meanwhile). */
const AUDIT_SCAN = 2_000;

type Entry = [string, string[]];

export class RedisStore implements JournalStore {
  /** Several nodes share this store: sessions have owners. */
  readonly leases: SessionLeases;
  /** The same, with the fences of the sessions this process claimed. */
  readonly #leases: RedisLeases;
  readonly #scripts: ScriptRunner;
  readonly #p: string;
  #closed = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly options: RedisStoreOptions,
    private readonly context: DriverContext,
    /** Closes the connection when the store made it; `undefined` for a client the caller passed in. */
    private readonly release: (() => void) | undefined,
  ) {
    this.#scripts = new ScriptRunner(connection);
    this.#p = options.keyPrefix;
    this.#leases = new RedisLeases(this.#scripts, options.keyPrefix);
    this.leases = this.#leases;
  }

  async insertSession(session: Session): Promise<void> {
    this.#open('createSession');
    const created = await this.#run('insertSession', [
      session.id,
      session.expiresAt === null ? '' : String(this.#pexpire(session.expiresAt - session.lastSeenAt)),
      String(session.createdAt),
      session.expiresAt === null ? '' : String(session.expiresAt),
      ...sessionFields(session),
    ]);
    if (Number(created) !== 1) throw new JournalConflictError(session.id);
  }

  async getSession(id: string): Promise<Session | undefined> {
    this.#open('getSession');
    return decodeSession(await this.#run('getSession', [id]));
  }

  async updateSession(id: string, patch: SessionPatch): Promise<Session | undefined> {
    this.#open('updateSession');
    const reply = await this.#run('updateSession', [
      id,
      String(patch.now),
      patch.touch ? '1' : '0',
      String(this.options.expiryGraceMs),
      this.#fence(id),
      ...patchOps(patch),
    ]);
    if (reply === 'fenced') this.#refused(id);
    return reply === null ? undefined : decodeSession(reply);
  }

  async deleteSession(id: string): Promise<boolean> {
    this.#open('deleteSession');
    const deleted = Number(await this.#run('deleteSession', [id, this.#fence(id)]));
    if (deleted === -1) this.#refused(id);
    return deleted === 1;
  }

  async expireSessions(now: number): Promise<number> {
    this.#open('expireSessions');
    return (await this.#expire(now)).sessions;
  }

  /**
   * Pages through `sessions` newest first, a script per page fetching the hashes, and skips what
   * expired by the journal's clock (and hashes Redis already dropped, whose ids the next
   * `expireSessions` removes). Ranks shift under concurrent creates and deletes: a listing taken
   * while sessions come and go may miss or repeat one at a page boundary.
   */
  async listSessions(now: number, query: SessionListQuery & { limit: number }): Promise<Session[]> {
    this.#open('listSessions');
    const since = query.seenSince ?? Number.NEGATIVE_INFINITY;
    const out: Session[] = [];
    const seen = new Set<string>();
    for (let start = 0; out.length < query.limit; start += BATCH) {
      this.#open('listSessions');
      const hashes = (await this.#run('listSessions', [
        String(start),
        String(start + BATCH - 1),
      ])) as unknown[];
      for (const hash of hashes) {
        const session = decodeSession(hash);
        if (!session || isExpired(session, now) || session.lastSeenAt < since || seen.has(session.id))
          continue;
        seen.add(session.id);
        out.push(session);
        if (out.length >= query.limit) break;
      }
      if (hashes.length < BATCH) break;
    }
    return out;
  }

  async appendEvent(
    streamId: string,
    sessionId: string | undefined,
    time: number,
    data: string,
  ): Promise<number> {
    this.#open('append');
    const max = this.context.maxEventsPerStream;
    const seq = await this.#run('appendEvent', [
      streamId,
      sessionId ?? '',
      String(time),
      data,
      max === undefined ? '' : String(max),
      sessionId === undefined ? '' : this.#fence(sessionId),
    ]);
    if (Number(seq) === -1) this.#refused(sessionId as string);
    return Number(seq);
  }

  async readEvents(streamId: string, afterSeq: number, limit: number): Promise<StoredEvents | undefined> {
    this.#open('readAfter');
    const reply = (await this.#run('readEvents', [streamId, String(afterSeq), String(limit)])) as
      | [string | number, string | null, Entry[]]
      | null;
    if (reply === null) return undefined;
    const [last, first, entries] = reply;
    return {
      lastSeq: Number(last),
      firstSeq: first === null ? undefined : seqOf(first),
      events: entries.map(([id, fields]) => ({
        seq: seqOf(id),
        time: Number(fieldOf(fields, 't')),
        data: fieldOf(fields, 'd') ?? '',
      })),
    };
  }

  async appendAudit(entry: Omit<AuditRecord, 'id'>): Promise<void> {
    this.#open('audit');
    const bytes = utf8Length(entry.request ?? '') + utf8Length(entry.response ?? '');
    await this.#run('appendAudit', [
      String(entry.time),
      JSON.stringify(entry),
      String(bytes),
      entry.sessionId ?? '',
    ]);
  }

  async queryAudit(query: AuditQuery & { limit: number }): Promise<AuditRecord[]> {
    this.#open('queryAudit');
    const out: AuditRecord[] = [];
    // Redis filters (a script reads at most AUDIT_SCAN entries a call); only matches come back.
    for (let after = query.afterId ?? 0; out.length < query.limit; ) {
      this.#open('queryAudit');
      const reply = (await this.#run('queryAudit', [
        String(after),
        String(query.limit - out.length),
        String(AUDIT_SCAN),
        query.sessionId ?? '',
        query.since === undefined ? '' : String(query.since),
        query.until === undefined ? '' : String(query.until),
      ])) as (string | number)[];
      for (let i = 2; i < reply.length; i += 2) {
        const record = JSON.parse(String(reply[i + 1])) as Omit<AuditRecord, 'id'>;
        // Entries written before the policy fields existed read them as null.
        out.push({ id: Number(reply[i]), ...NO_POLICY_FIELDS, ...record });
      }
      if (Number(reply[1]) !== 1) break;
      after = Number(reply[0]);
    }
    return out;
  }

  async retain(policy: RetentionPolicy, now: number): Promise<RetentionReport> {
    this.#open('retain');
    const bytesBefore = await this.#bytes();
    const expired = await this.#expire(now);
    const report: RetentionReport = {
      sessionsExpired: expired.sessions,
      streamsDeleted: expired.streams,
      eventsDeleted: expired.events,
      auditDeleted: 0,
      bytesBefore,
      bytesAfter: bytesBefore,
    };
    if (policy.maxAgeMs !== undefined) {
      const cutoff = String(now - policy.maxAgeMs);
      for (let more = true; more; ) {
        this.#open('retain');
        const [events, audit, next] = (await this.#run('retainAge', [cutoff, String(BATCH)])) as number[];
        report.eventsDeleted += Number(events);
        report.auditDeleted += Number(audit);
        more = Number(next) === 1;
      }
      for (let offset = 0, more = true; more; ) {
        this.#open('retain');
        const [deleted, kept, next] = (await this.#run('retainIdleStreams', [
          cutoff,
          String(offset),
          String(BATCH),
        ])) as number[];
        report.streamsDeleted += Number(deleted);
        offset += Number(kept);
        more = Number(next) === 1;
      }
    }
    if (policy.maxBytes !== undefined) {
      for (let more = true; more; ) {
        this.#open('retain');
        const [events, audit, next] = (await this.#run('retainBytes', [
          String(policy.maxBytes),
          String(BATCH),
        ])) as number[];
        report.eventsDeleted += Number(events);
        report.auditDeleted += Number(audit);
        more = Number(next) === 1;
      }
    }
    report.bytesAfter = await this.#bytes();
    return report;
  }

  async *exportRecords(selector: ExportSelector): AsyncIterable<ExportRecord> {
    this.#open('export');
    if ('sessionId' in selector) {
      const id = selector.sessionId;
      const session = await this.getSession(id);
      if (session) yield { type: 'session', ...session };
      const streams = ((await this.#send('SMEMBERS', [this.#key('session-streams:', id)])) as string[])
        .map(String)
        .sort(compareText);
      for (const streamId of streams) {
        for (let after = 0; ; ) {
          const stored = await this.readEvents(streamId, after, BATCH);
          if (!stored || stored.events.length === 0) break;
          for (const e of stored.events) yield { type: 'event', ...eventOf(streamId, e) };
          after = stored.events.at(-1)!.seq;
        }
      }
      for await (const record of this.#auditPages({ sessionId: id })) yield { type: 'audit', ...record };
      return;
    }
    const { since, until } = selector;
    for (let offset = 0; ; offset += BATCH) {
      const ids = (await this.#send('ZRANGEBYSCORE', [
        this.#key('sessions'),
        '-inf',
        `(${until}`,
        'LIMIT',
        String(offset),
        String(BATCH),
      ])) as string[];
      for (const id of ids) {
        const session = await this.getSession(String(id));
        if (session && session.lastSeenAt >= since) yield { type: 'session', ...session };
      }
      if (ids.length < BATCH) break;
    }
    for (let offset = 0; ; offset += BATCH) {
      const members = (await this.#send('ZRANGEBYSCORE', [
        this.#key('event-times'),
        String(since),
        `(${until}`,
        'LIMIT',
        String(offset),
        String(BATCH),
      ])) as string[];
      if (members.length > 0) {
        const rows = (await this.#run('fetchEvents', members.map(String))) as Array<
          [string, string | number, string, string]
        >;
        for (const [streamId, seq, time, data] of rows) {
          yield {
            type: 'event',
            ...eventOf(String(streamId), { seq: Number(seq), time: Number(time), data: data ?? '' }),
          };
        }
      }
      if (members.length < BATCH) break;
    }
    for await (const record of this.#auditPages({ since, until })) yield { type: 'audit', ...record };
  }

  async flush(): Promise<void> {
    // Every write resolved once Redis applied it; there is nothing buffered here.
    this.#open('flush');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.release?.();
  }

  /** The audit entries `query` selects, in id order, a page at a time. */
  async *#auditPages(query: AuditQuery): AsyncIterable<AuditRecord> {
    for (let afterId = 0; ; ) {
      const page = await this.queryAudit({ ...query, afterId, limit: BATCH });
      yield* page;
      if (page.length < BATCH) return;
      afterId = page.at(-1)!.id;
    }
  }

  async #expire(now: number): Promise<{ sessions: number; streams: number; events: number }> {
    const total = { sessions: 0, streams: 0, events: 0 };
    for (let more = true; more; ) {
      const [sessions, streams, events, next] = (await this.#run('expireSessions', [
        String(now),
        String(BATCH),
      ])) as number[];
      total.sessions += Number(sessions);
      total.streams += Number(streams);
      total.events += Number(events);
      more = Number(next) === 1;
    }
    return total;
  }

  async #bytes(): Promise<number> {
    return Number((await this.#send('GET', [this.#key('bytes')])) ?? 0);
  }

  /** A session key's Redis time-to-live: its idle TTL plus the grace (at least 1 ms). */
  #pexpire(ttlMs: number): number {
    return Math.ceil(Math.max(ttlMs, 1) + this.options.expiryGraceMs);
  }

  #key(...parts: string[]): string {
    return this.#p + parts.join('');
  }

  #run(name: Parameters<ScriptRunner['run']>[0], args: string[]): Promise<unknown> {
    return this.#scripts.run(name, [this.#p, ...args]);
  }

  #send(command: string, args: string[]): Promise<unknown> {
    return this.connection.send(command, args);
  }

  /** The fence a write of `sessionId` carries: the epoch this process claimed it with, or none. */
  #fence(sessionId: string): string {
    const epoch = this.#leases.fenceOf(sessionId);
    return epoch === undefined ? '' : String(epoch);
  }

  /** A write refused by its fence: the leases' listeners are told, the caller gets the error. */
  #refused(sessionId: string): never {
    const epoch = this.#leases.fenceOf(sessionId) ?? 0;
    this.#leases.refused(sessionId);
    throw new JournalFencedError(sessionId, epoch);
  }

  #open(method: string): void {
    if (this.#closed) throw new JournalClosedError(method);
  }
}

/** The seq of an entry id `<seq>-0`. */
function seqOf(entryId: string | number): number {
  return Number.parseInt(String(entryId), 10);
}

function fieldOf(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return String(fields[i + 1]);
  return undefined;
}

function eventOf(streamId: string, e: { seq: number; time: number; data: string }): StreamEvent {
  return { id: formatEventId(streamId, e.seq), streamId, seq: e.seq, time: e.time, data: e.data };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
