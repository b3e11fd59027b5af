/**
 * The records the SQLite store hands to its writer in one batch (one transaction), whether the
 * writer runs on the caller's thread or on a worker thread (then they are structured-cloned).
 * Message bodies travel as the JSON text they are, and the writer encodes them: Bun clones a
 * string to the writer thread at about half the cost of the same bytes as a `Uint8Array`, and the
 * encoding runs off the caller's event loop (`bench journal-post`).
 */
import type { AuditRecord, Session, SessionPatch } from '../../types.ts';

export interface SessionPutOp {
  kind: 'session-put';
  session: Session;
  /**
   * Set for a change to an existing session: the writer applies it to the row as it is in the
   * file, inside its transaction, so another process's change to the same session in between is
   * kept (not overwritten with this process's view); a session gone from the file stays gone.
   * `session` is this process's view, for its reads until the commit.
   */
  patch?: SessionPatch;
}
export interface SessionDeleteOp {
  kind: 'session-delete';
  id: string;
}
export interface EventOp {
  kind: 'event';
  streamId: string;
  sessionId: string | null;
  seq: number;
  time: number;
  /** The event's JSON text. */
  data: string;
}
export interface AuditOp {
  kind: 'audit';
  record: Omit<AuditRecord, 'id' | 'request' | 'response'>;
  /** The request's and response's JSON text. */
  request: string | null;
  response: string | null;
}
export type Op = SessionPutOp | SessionDeleteOp | EventOp | AuditOp;

/**
 * What a record weighs for the group committer's byte limit (a body's length in UTF-16 units: its
 * bytes for ASCII text, a third of them at worst).
 */
export function sizeOf(op: Op): number {
  switch (op.kind) {
    case 'event':
      return op.data.length + 64;
    case 'audit':
      return (op.request?.length ?? 0) + (op.response?.length ?? 0) + 256;
    default:
      return 512;
  }
}
