/**
 * The write side of the SQLite store: one batch of records (sessions, events, audit entries) in one
 * `BEGIN IMMEDIATE` transaction, payloads first so that the small ones share compressed blocks.
 * The same class serves the store's own thread (`writer: 'inline'`) and the writer thread
 * (`writer: 'thread'`, `writer-thread.ts`), each over its own connection.
 */
import type { Database } from 'bun:sqlite';
import type { CompressionOptions } from '../../codec/codec.ts';
import { applySessionPatch } from '../../session.ts';
import type { Op } from './ops.ts';
import { PayloadStore } from './payloads.ts';
import { type SessionRow, sessionOf } from './session-row.ts';

const encoder = new TextEncoder();
const encodeBody = (text: string | null): Uint8Array | null => (text === null ? null : encoder.encode(text));

export interface WriterOptions {
  compression: CompressionOptions | false;
  /** Per-stream limit, applied as events are written. */
  maxEventsPerStream: number | undefined;
}

/** The statements the writer runs (the store uses the session ones for expiry too). */
export function prepareWrites(db: Database) {
  return {
    putSession: db.prepare(
      `INSERT OR REPLACE INTO sessions (id, principal, protocol_version, client_info, bindings, created_at,
        last_seen_at, ttl_ms, expires_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    getSession: db.prepare<SessionRow, [string]>('SELECT * FROM sessions WHERE id = ?'),
    deleteSession: db.prepare('DELETE FROM sessions WHERE id = ?'),
    deleteSessionStreams: db.prepare('DELETE FROM streams WHERE session_id = ?'),
    upsertStream: db.prepare(
      `INSERT INTO streams (id, session_id, last_seq, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
       ON CONFLICT (id) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq), updated_at = excluded.updated_at,
         session_id = coalesce(session_id, excluded.session_id)`,
    ),
    linkStream: db.prepare('UPDATE streams SET session_id = ? WHERE id = ? AND session_id IS NULL'),
    advanceStream: db.prepare('UPDATE streams SET last_seq = max(last_seq, ?), updated_at = ? WHERE id = ?'),
    insertEvent: db.prepare('INSERT INTO events (stream_id, seq, time, payload_id) VALUES (?, ?, ?, ?)'),
    trimStream: db.prepare('DELETE FROM events WHERE stream_id = ? AND seq <= ?'),
    insertAudit: db.prepare(
      `INSERT INTO audit (time, session_id, principal, backend, worker, method, name, duration_ms, outcome, error,
        request_id, response_id, client_id, decision, rule) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
  };
}

export class BatchWriter {
  readonly #db: Database;
  readonly #payloads: PayloadStore;
  readonly #s: ReturnType<typeof prepareWrites>;
  readonly #tx: { immediate: (batch: Op[]) => void };

  constructor(
    db: Database,
    private readonly options: WriterOptions,
  ) {
    this.#db = db;
    this.#payloads = new PayloadStore(db, options.compression);
    this.#s = prepareWrites(db);
    this.#tx = db.transaction((batch: Op[]) => this.#apply(batch));
  }

  /** Writes the batch atomically, or throws and writes nothing. */
  commit(batch: Op[]): void {
    try {
      this.#tx.immediate(batch);
    } catch (error) {
      this.#payloads.resync();
      throw error;
    }
  }

  /** At close: packs the payloads still staged, and lets SQLite refresh its planner statistics. */
  finish(): void {
    this.#db.transaction(() => this.#payloads.packStaged()).immediate();
    this.#db.run('PRAGMA optimize');
  }

  /** Runs inside the commit transaction. */
  #apply(batch: Op[]): void {
    const s = this.#s;
    // Payloads first, all at once, so the small ones of the batch can share blocks.
    const bodies: Array<Uint8Array | null> = [];
    for (const op of batch) {
      if (op.kind === 'event') bodies.push(encoder.encode(op.data));
      else if (op.kind === 'audit') bodies.push(encodeBody(op.request), encodeBody(op.response));
    }
    const payloadIds = this.#payloads.writeAll(bodies);
    let next = 0;
    // A stream's row is written once per batch (and again after a session delete, which may
    // remove it); its last seq once at the end.
    const streams = new Map<string, { seq: number; time: number }>();
    const max = this.options.maxEventsPerStream;
    const settleStreams = () => {
      for (const [streamId, { seq, time }] of streams) {
        s.advanceStream.run(seq, time, streamId);
        if (max !== undefined && seq > max) s.trimStream.run(streamId, seq - max);
      }
      streams.clear();
    };
    for (const op of batch) {
      switch (op.kind) {
        case 'session-put': {
          let x = op.session;
          if (op.patch) {
            const row = s.getSession.get(x.id);
            const current = row ? applySessionPatch(sessionOf(row), op.patch) : undefined;
            // Deleted or expired in the file (another process, or earlier in this batch): stays so.
            if (!current) break;
            x = current;
          }
          s.putSession.run(
            x.id,
            x.principal,
            x.protocolVersion,
            x.clientInfo === null ? null : JSON.stringify(x.clientInfo),
            JSON.stringify(x.bindings),
            x.createdAt,
            x.lastSeenAt,
            x.ttlMs,
            x.expiresAt,
            JSON.stringify(x.state),
          );
          break;
        }
        case 'session-delete':
          settleStreams();
          s.deleteSessionStreams.run(op.id);
          s.deleteSession.run(op.id);
          break;
        case 'event': {
          if (!streams.has(op.streamId)) s.upsertStream.run(op.streamId, op.sessionId, op.seq, op.time);
          else if (op.sessionId !== null) s.linkStream.run(op.sessionId, op.streamId);
          streams.set(op.streamId, { seq: op.seq, time: op.time });
          s.insertEvent.run(op.streamId, op.seq, op.time, payloadIds[next++] ?? null);
          break;
        }
        case 'audit': {
          const r = op.record;
          s.insertAudit.run(
            r.time,
            r.sessionId,
            r.principal,
            r.backend,
            r.worker,
            r.method,
            r.name,
            r.durationMs,
            r.outcome,
            r.error,
            payloadIds[next++] ?? null,
            payloadIds[next++] ?? null,
            r.clientId,
            r.decision,
            r.rule,
          );
          break;
        }
      }
    }
    settleStreams();
  }
}
