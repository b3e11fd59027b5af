/**
 * `memoryDriver()`: the journal in process memory, for callers' tests. Same contract and
 * semantics as the SQLite driver (the same contract tests run against both); nothing survives
 * the process and writes are applied at once, so `flush()` has nothing to wait for. Pure.
 */
import { JournalClosedError, JournalConflictError } from '../errors.ts';
import { formatEventId } from '../event-id.ts';
import { applySessionPatch, copySession, isExpired } from '../session.ts';
import type {
  AuditQuery,
  AuditRecord,
  DriverContext,
  ExportRecord,
  ExportSelector,
  JournalDriver,
  JournalStore,
  RetentionPolicy,
  RetentionReport,
  Session,
  SessionListQuery,
  SessionPatch,
  StoredEvents,
  StreamEvent,
} from '../types.ts';
import { utf8Length } from '../validate.ts';
import { auditMatches } from './audit-filter.ts';

export function memoryDriver(): JournalDriver {
  return { name: 'memory', open: async (context) => new MemoryStore(context) };
}

interface MemoryEvent {
  seq: number;
  time: number;
  data: string;
}

interface MemoryStream {
  id: string;
  sessionId: string | undefined;
  lastSeq: number;
  updatedAt: number;
  /** Ordered by seq. */
  events: MemoryEvent[];
}

class MemoryStore implements JournalStore {
  readonly #sessions = new Map<string, Session>();
  readonly #streams = new Map<string, MemoryStream>();
  #audit: AuditRecord[] = [];
  #nextAuditId = 1;
  #closed = false;

  constructor(private readonly context: DriverContext) {}

  async insertSession(session: Session): Promise<void> {
    this.#open('createSession');
    if (this.#sessions.has(session.id)) throw new JournalConflictError(session.id);
    this.#sessions.set(session.id, copySession(session));
  }

  async getSession(id: string): Promise<Session | undefined> {
    this.#open('getSession');
    const session = this.#sessions.get(id);
    return session && copySession(session);
  }

  async updateSession(id: string, patch: SessionPatch): Promise<Session | undefined> {
    this.#open('updateSession');
    const session = this.#sessions.get(id);
    const next = session && applySessionPatch(session, patch);
    if (!next) return undefined;
    this.#sessions.set(id, next);
    return copySession(next);
  }

  async deleteSession(id: string): Promise<boolean> {
    this.#open('deleteSession');
    return this.#deleteSession(id);
  }

  async expireSessions(now: number): Promise<number> {
    this.#open('expireSessions');
    return this.#expire(now);
  }

  async listSessions(now: number, query: SessionListQuery & { limit: number }): Promise<Session[]> {
    this.#open('listSessions');
    const since = query.seenSince ?? Number.NEGATIVE_INFINITY;
    return [...this.#sessions.values()]
      .filter((s) => !isExpired(s, now) && s.lastSeenAt >= since)
      .sort((a, b) => b.createdAt - a.createdAt || compareText(b.id, a.id))
      .slice(0, query.limit)
      .map(copySession);
  }

  async appendEvent(
    streamId: string,
    sessionId: string | undefined,
    time: number,
    data: string,
  ): Promise<number> {
    this.#open('append');
    let stream = this.#streams.get(streamId);
    if (!stream) {
      stream = { id: streamId, sessionId, lastSeq: 0, updatedAt: time, events: [] };
      this.#streams.set(streamId, stream);
    }
    stream.sessionId ??= sessionId;
    stream.lastSeq += 1;
    stream.updatedAt = time;
    stream.events.push({ seq: stream.lastSeq, time, data });
    const max = this.context.maxEventsPerStream;
    if (max !== undefined && stream.events.length > max) stream.events.splice(0, stream.events.length - max);
    return stream.lastSeq;
  }

  async readEvents(streamId: string, afterSeq: number, limit: number): Promise<StoredEvents | undefined> {
    this.#open('readAfter');
    const stream = this.#streams.get(streamId);
    if (!stream) return undefined;
    const start = firstIndexAbove(stream.events, afterSeq);
    return {
      lastSeq: stream.lastSeq,
      firstSeq: stream.events[0]?.seq,
      events: stream.events.slice(start, start + limit).map((e) => ({ ...e })),
    };
  }

  async appendAudit(entry: Omit<AuditRecord, 'id'>): Promise<void> {
    this.#open('audit');
    this.#audit.push({ id: this.#nextAuditId++, ...entry });
  }

  async queryAudit(query: AuditQuery & { limit: number }): Promise<AuditRecord[]> {
    this.#open('queryAudit');
    const out: AuditRecord[] = [];
    for (const record of this.#audit) {
      if (out.length >= query.limit) break;
      if (!auditMatches(record, query)) continue;
      if (query.afterId !== undefined && record.id <= query.afterId) continue;
      out.push({ ...record });
    }
    return out;
  }

  async retain(policy: RetentionPolicy, now: number): Promise<RetentionReport> {
    this.#open('retain');
    const bytesBefore = this.#bytes();
    const report: RetentionReport = {
      sessionsExpired: 0,
      streamsDeleted: 0,
      eventsDeleted: 0,
      auditDeleted: 0,
      bytesBefore,
      bytesAfter: bytesBefore,
    };
    const eventsBefore = this.#eventCount();
    const streamsBefore = this.#streams.size;
    const auditBefore = this.#audit.length;
    report.sessionsExpired = this.#expire(now);
    if (policy.maxAgeMs !== undefined) {
      const cutoff = now - policy.maxAgeMs;
      this.#dropOlderThan(cutoff);
      for (const [id, stream] of this.#streams) {
        if (stream.events.length === 0 && stream.updatedAt < cutoff) this.#streams.delete(id);
      }
    }
    if (policy.maxBytes !== undefined) this.#shrinkTo(policy.maxBytes);
    report.eventsDeleted = eventsBefore - this.#eventCount();
    report.streamsDeleted = streamsBefore - this.#streams.size;
    report.auditDeleted = auditBefore - this.#audit.length;
    report.bytesAfter = this.#bytes();
    return report;
  }

  async *exportRecords(selector: ExportSelector): AsyncIterable<ExportRecord> {
    this.#open('export');
    if ('sessionId' in selector) {
      const session = this.#sessions.get(selector.sessionId);
      if (session) yield { type: 'session', ...copySession(session) };
      const streams = [...this.#streams.values()]
        .filter((s) => s.sessionId === selector.sessionId)
        .sort((a, b) => compareText(a.id, b.id));
      for (const stream of streams) {
        for (const e of stream.events) yield { type: 'event', ...eventOf(stream.id, e) };
      }
      for (const record of this.#audit) {
        if (record.sessionId === selector.sessionId) yield { type: 'audit', ...record };
      }
      return;
    }
    const { since, until } = selector;
    const sessions = [...this.#sessions.values()]
      .filter((s) => s.createdAt < until && s.lastSeenAt >= since)
      .sort((a, b) => a.createdAt - b.createdAt || compareText(a.id, b.id));
    for (const session of sessions) yield { type: 'session', ...copySession(session) };
    const events: Array<{ streamId: string; e: MemoryEvent }> = [];
    for (const stream of this.#streams.values()) {
      for (const e of stream.events)
        if (e.time >= since && e.time < until) events.push({ streamId: stream.id, e });
    }
    events.sort((a, b) => a.e.time - b.e.time || compareText(a.streamId, b.streamId) || a.e.seq - b.e.seq);
    for (const { streamId, e } of events) yield { type: 'event', ...eventOf(streamId, e) };
    for (const record of this.#audit) {
      if (record.time >= since && record.time < until) yield { type: 'audit', ...record };
    }
  }

  async flush(): Promise<void> {
    this.#open('flush');
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #open(method: string): void {
    if (this.#closed) throw new JournalClosedError(method);
  }

  #deleteSession(id: string): boolean {
    const existed = this.#sessions.delete(id);
    for (const [streamId, stream] of this.#streams)
      if (stream.sessionId === id) this.#streams.delete(streamId);
    return existed;
  }

  #expire(now: number): number {
    let n = 0;
    for (const session of [...this.#sessions.values()]) {
      if (isExpired(session, now) && this.#deleteSession(session.id)) n++;
    }
    return n;
  }

  #dropOlderThan(cutoff: number): void {
    for (const stream of this.#streams.values())
      stream.events = stream.events.filter((e) => e.time >= cutoff);
    this.#audit = this.#audit.filter((r) => r.time >= cutoff);
  }

  /** Deletes the oldest events and audit entries (by time) until the payload bytes fit. */
  #shrinkTo(maxBytes: number): void {
    let bytes = this.#bytes();
    if (bytes <= maxBytes) return;
    const items: Array<{ time: number; bytes: number; item: object }> = [];
    for (const stream of this.#streams.values()) {
      for (const e of stream.events) items.push({ time: e.time, bytes: utf8Length(e.data), item: e });
    }
    for (const r of this.#audit) items.push({ time: r.time, bytes: auditBytes(r), item: r });
    items.sort((a, b) => a.time - b.time);
    const dropped = new Set<object>();
    for (const { bytes: size, item } of items) {
      if (bytes <= maxBytes) break;
      dropped.add(item);
      bytes -= size;
    }
    for (const stream of this.#streams.values()) stream.events = stream.events.filter((e) => !dropped.has(e));
    this.#audit = this.#audit.filter((r) => !dropped.has(r));
  }

  /** The store's size as the UTF-8 bytes of its payloads. */
  #bytes(): number {
    let bytes = 0;
    for (const stream of this.#streams.values()) for (const e of stream.events) bytes += utf8Length(e.data);
    for (const r of this.#audit) bytes += auditBytes(r);
    return bytes;
  }

  #eventCount(): number {
    let n = 0;
    for (const stream of this.#streams.values()) n += stream.events.length;
    return n;
  }
}

function auditBytes(r: AuditRecord): number {
  return utf8Length(r.request ?? '') + utf8Length(r.response ?? '');
}

function eventOf(streamId: string, e: MemoryEvent): StreamEvent {
  return { id: formatEventId(streamId, e.seq), streamId, seq: e.seq, time: e.time, data: e.data };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The index of the first event with seq > `seq` (events are ordered by seq). */
function firstIndexAbove(events: MemoryEvent[], seq: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid]!.seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
