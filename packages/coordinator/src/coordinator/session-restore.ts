/**
 * 2025 sessions that outlive the process: read back from the journal when a request names one
 * this process does not hold (once, however many requests ask at the same time), and kept touched
 * there — each session's `lastSeenAt` written when it moved (coalesced, at the sweeper's pass) —
 * so that a session idle here but used on another node sharing the journal keeps its record.
 */
import { isJournalUnavailableError, type Journal } from '@switchyard/journal';
import { restoredSession } from './session-record.ts';
import type { FrontSession, SessionTable } from './sessions.ts';

/** What reading a session back from the journal gave: the session, or `full` when the gateway holds as many as it may, `unavailable` when the store cannot be reached; else undefined. */
export type Restored = FrontSession | 'full' | 'unavailable' | undefined;

export interface SessionRestoreOptions {
  /** None: nothing is restored or touched. */
  journal: Journal | undefined;
  sessions: SessionTable;
  now: () => number;
  /** A session idle this long (ms) is not restored (its record goes); null: never idle. */
  idleMs: number | null;
  /** The most sessions this process holds (`limits.sessions`). */
  maxSessions: number;
  isIsolated: (backend: string) => boolean;
  /** Runs a journal write; its failure goes to the coordinator's `onError`. */
  write: (fn: (j: Journal) => Promise<unknown>) => Promise<void>;
  onError?: ((error: unknown) => void) | undefined;
  /** A session restored: its subscriptions (backend key → front URI) to make again. */
  restored: (session: FrontSession, subscriptions: readonly [string, string][]) => void;
  /** Lets a session go here without touching its record (another node ended it). */
  relinquish: (session: FrontSession) => Promise<unknown>;
}

export class SessionRestore {
  /** Sessions being read back from the journal, so concurrent requests of one restore it once. */
  private readonly restoring = new Map<string, Promise<Restored>>();
  /** When each session's `lastSeenAt` was last written to the journal (touches are coalesced). */
  private readonly touched = new WeakMap<FrontSession, number>();
  /** The `lastSeenAt` this process's last touch wrote to the session's record (the journal's clock). */
  private readonly journaledSeen = new WeakMap<FrontSession, number>();

  constructor(private readonly options: SessionRestoreOptions) {}

  /**
   * The session read back from the journal; `full` when the gateway holds as many as it may,
   * `unavailable` when the journal's store cannot be reached (it may well exist); else undefined.
   */
  restore(sessionId: string, principal: string | null): Promise<Restored> {
    const journal = this.options.journal;
    if (!journal) return Promise.resolve(undefined);
    let pending = this.restoring.get(sessionId);
    if (!pending) {
      pending = this.readBack(journal, sessionId, principal).finally(() => this.restoring.delete(sessionId));
      this.restoring.set(sessionId, pending);
    }
    return pending.then((r) =>
      r && r !== 'full' && r !== 'unavailable' && r.principal !== principal ? undefined : r,
    );
  }

  private async readBack(journal: Journal, sessionId: string, principal: string | null): Promise<Restored> {
    const { sessions, idleMs } = this.options;
    let record: Awaited<ReturnType<Journal['getSession']>>;
    try {
      record = await journal.getSession(sessionId);
    } catch (e) {
      // A store that cannot be reached says nothing about the session: "try again", never "gone"
      // (a 404 makes a 2025 client drop a session that may be fine).
      if (isJournalUnavailableError(e)) return 'unavailable';
      this.options.onError?.(e);
      return undefined;
    }
    if (!record || record.principal !== principal) return undefined;
    const held = sessions.get(sessionId, principal);
    if (held) return held;
    if (idleMs !== null && record.lastSeenAt <= this.options.now() - idleMs) {
      await this.options.write((j) => j.deleteSession(sessionId));
      return undefined;
    }
    if (sessions.size >= this.options.maxSessions) {
      return 'full';
    }
    const { session, restored, subscriptions } = restoredSession(record, this.options.isIsolated);
    const front = sessions.add(session, restored);
    for (const [key, uri] of subscriptions) sessions.subscribe(front, key, uri);
    this.touched.set(front, record.lastSeenAt);
    this.options.restored(front, subscriptions);
    return front;
  }

  /**
   * Whether a session idle here is idle in the journal too, so its record may go. Nodes sharing a
   * journal each hold the sessions they served: one the client moved on from is idle on that node
   * only, and its record — touched by the node the client talks to now — must stay.
   */
  async idleEverywhere(session: FrontSession, cutoff: number): Promise<boolean> {
    if (session.era !== 'legacy' || !this.options.journal) return true;
    try {
      const record = await this.options.journal.getSession(session.id);
      // Touched by no one since this process's own last touch (which writes a later time than the
      // session's own lastSeenAt, by up to a sweep): idle everywhere.
      return (
        record === undefined || record.lastSeenAt <= Math.max(cutoff, this.journaledSeen.get(session) ?? 0)
      );
    } catch (e) {
      // The journal cannot say: keep the record (its own expiry still collects it).
      this.options.onError?.(e);
      return false;
    }
  }

  /** Writes a session's `lastSeenAt` to the journal when it moved since the last write. */
  async touch(session: FrontSession): Promise<void> {
    if (session.era !== 'legacy' || (this.touched.get(session) ?? -1) >= session.lastSeenAt) return;
    this.touched.set(session, session.lastSeenAt);
    await this.options.write(async (j) => {
      const record = await j.touchSession(session.id);
      if (record !== undefined) {
        this.journaledSeen.set(session, record.lastSeenAt);
        return;
      }
      // The record is gone while this process holds the session: another node sharing the journal
      // ended it (DELETE) or let it expire. Let it go here too (keeping no record to delete), so
      // the next request is a 404 as on that node. Found at the sweeper's pass, not per request: a
      // journal read per request would cost a round trip on the hot path; until sessions have an
      // owner (a lease, issue #20), a node may serve a session deleted elsewhere until its next pass.
      if (this.options.sessions.get(session.id, session.principal) === session)
        await this.options.relinquish(session);
    });
  }

  /** The sweeper's pass: the sessions heard from since the last one are touched in the journal. */
  async touchSeen(): Promise<void> {
    const seen = [...this.options.sessions.all()].filter(
      (s) => s.era === 'legacy' && (this.touched.get(s) ?? -1) < s.lastSeenAt,
    );
    await Promise.all(seen.map((s) => this.touch(s)));
  }
}
