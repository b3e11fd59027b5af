/**
 * `splitDriver({ sessions, audit })`: one journal over two stores — sessions and stream events in
 * one (Redis, shared by several gateway nodes), the audit trail in the other (the node's own
 * SQLite file). Each store method goes to the store that holds its records; retention, export,
 * flush and close span both. Pure: it only routes.
 */
import { JournalInvalidInputError } from '../errors.ts';
import type { SessionLeases } from '../leases.ts';
import type {
  AuditQuery,
  AuditRecord,
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
} from '../types.ts';

export interface SplitDriverOptions {
  /** Holds sessions and stream events: what any node must find (e.g. `redisDriver({ url })`). */
  sessions: JournalDriver;
  /** Holds the audit trail: what stays with the node that served the call (e.g. `sqliteDriver({ path })`). */
  audit: JournalDriver;
}

export function splitDriver(options: SplitDriverOptions): JournalDriver {
  if (typeof options !== 'object' || options === null) {
    throw new JournalInvalidInputError('split options', 'expected { sessions, audit }, each a driver');
  }
  for (const part of ['sessions', 'audit'] as const) {
    if (typeof options[part]?.open !== 'function') {
      throw new JournalInvalidInputError(
        part,
        'expected a driver, e.g. redisDriver({ url }) or sqliteDriver({ path })',
      );
    }
  }
  const { sessions, audit } = options;
  return {
    name: `${sessions.name}+${audit.name}`,
    async open(context) {
      const sessionStore = await sessions.open(context);
      let auditStore: JournalStore;
      try {
        auditStore = await audit.open(context);
      } catch (error) {
        // The first store is open: release it, or a failed start leaks its connection.
        await sessionStore.close().catch(() => undefined);
        throw error;
      }
      return new SplitStore(sessionStore, auditStore);
    },
  };
}

class SplitStore implements JournalStore {
  /** Read-only as a whole only when both are: the journal then runs no retention of its own. */
  readonly readonly: boolean;

  /** The sessions' store's: sessions are owned where they are shared. */
  readonly leases: SessionLeases | undefined;

  constructor(
    private readonly sessions: JournalStore,
    private readonly auditTrail: JournalStore,
  ) {
    this.readonly = sessions.readonly === true && auditTrail.readonly === true;
    this.leases = sessions.leases;
  }

  // Sessions and stream events.

  insertSession(session: Session): Promise<void> {
    return this.sessions.insertSession(session);
  }
  getSession(id: string): Promise<Session | undefined> {
    return this.sessions.getSession(id);
  }
  updateSession(id: string, patch: SessionPatch): Promise<Session | undefined> {
    return this.sessions.updateSession(id, patch);
  }
  deleteSession(id: string): Promise<boolean> {
    return this.sessions.deleteSession(id);
  }
  expireSessions(now: number): Promise<number> {
    return this.sessions.expireSessions(now);
  }
  listSessions(now: number, query: SessionListQuery & { limit: number }): Promise<Session[]> {
    return this.sessions.listSessions(now, query);
  }
  appendEvent(streamId: string, sessionId: string | undefined, time: number, data: string): Promise<number> {
    return this.sessions.appendEvent(streamId, sessionId, time, data);
  }
  readEvents(streamId: string, afterSeq: number, limit: number): Promise<StoredEvents | undefined> {
    return this.sessions.readEvents(streamId, afterSeq, limit);
  }

  // The audit trail.

  appendAudit(entry: Omit<AuditRecord, 'id'>): Promise<void> {
    return this.auditTrail.appendAudit(entry);
  }
  queryAudit(query: AuditQuery & { limit: number }): Promise<AuditRecord[]> {
    return this.auditTrail.queryAudit(query);
  }

  // Both.

  /**
   * Age and per-stream limits apply to each store as they are. `maxBytes` bounds the two together:
   * when their sum is over, each store gets a share of the limit in proportion to what it holds and
   * drops its own oldest records down to it — oldest-first within each store, about oldest-first
   * across them when both are written at a steady pace. A read-only store is left alone.
   */
  async retain(policy: RetentionPolicy, now: number): Promise<RetentionReport> {
    const parts = [this.sessions, this.auditTrail].filter((s) => s.readonly !== true);
    const { maxBytes, ...byAge } = policy;
    const first: RetentionReport[] = [];
    for (const store of parts) first.push(await store.retain(byAge, now));
    const report = sum(first);
    const sizes = first.map((r) => r.bytesAfter);
    const total = sizes.reduce((a, b) => a + b, 0);
    if (maxBytes === undefined || total <= maxBytes) return report;
    const second: RetentionReport[] = [];
    for (const [i, store] of parts.entries()) {
      const share = Math.max(1, Math.floor((maxBytes * sizes[i]!) / total));
      second.push(await store.retain({ ...byAge, maxBytes: share }, now));
    }
    const shrunk = sum(second);
    return { ...sum([report, shrunk]), bytesBefore: report.bytesBefore, bytesAfter: shrunk.bytesAfter };
  }

  /** In the documented order: sessions and events from the one store, then audit entries from the other. */
  async *exportRecords(selector: ExportSelector): AsyncIterable<ExportRecord> {
    for await (const record of this.sessions.exportRecords(selector)) {
      if (record.type !== 'audit') yield record;
    }
    for await (const record of this.auditTrail.exportRecords(selector)) {
      if (record.type === 'audit') yield record;
    }
  }

  async flush(): Promise<void> {
    await settleBoth(this.sessions.flush(), this.auditTrail.flush());
  }

  /** Closes both, even when one fails (then rejects with the first failure). */
  async close(): Promise<void> {
    await settleBoth(this.sessions.close(), this.auditTrail.close());
  }
}

async function settleBoth(a: Promise<void>, b: Promise<void>): Promise<void> {
  const [x, y] = await Promise.allSettled([a, b]);
  if (x.status === 'rejected') throw x.reason;
  if (y.status === 'rejected') throw y.reason;
}

function sum(reports: readonly RetentionReport[]): RetentionReport {
  const total: RetentionReport = {
    sessionsExpired: 0,
    streamsDeleted: 0,
    eventsDeleted: 0,
    auditDeleted: 0,
    bytesBefore: 0,
    bytesAfter: 0,
  };
  for (const r of reports) {
    for (const key of Object.keys(total) as Array<keyof RetentionReport>) total[key] += r[key];
  }
  return total;
}
