/**
 * A commit's batch as it crosses to the writer thread. Audit records — one per request, most of
 * a busy gateway's batch — go as one JSON text of flat rows; the other ops are cloned as they are.
 * `postMessage` structured-clones an object field by field, which costs the caller's event loop
 * about 2 µs per audit record; the same record as a row of one JSON text costs about a third of
 * that (`bench thread-post`), and the parse runs on the writer's thread.
 *
 * Every field of an audit record is a string, a finite number or null (`Journal.audit` checks
 * them), so the JSON text gives back exactly the record it was made from. The request's and
 * response's text (when audit payloads are kept) stay out of the JSON: they are cloned as the
 * strings they are, which costs a copy, not an escape-and-parse of the whole body.
 */
import type { AuditOp, Op } from './ops.ts';

/** The batch in order, with `null` where an audit op was (its row is next in `audits`). */
export interface WireBatch {
  ops: (Op | null)[];
  /** The audit ops' rows, as one JSON array text; empty when the batch holds none. */
  audits: string;
  /** Each audit op's request and response text, two per op, in order. */
  bodies: (string | null)[];
}

type AuditRow = [
  time: number,
  sessionId: string | null,
  principal: string | null,
  backend: string | null,
  worker: string | null,
  method: string,
  name: string | null,
  durationMs: number,
  outcome: AuditOp['record']['outcome'],
  error: string | null,
  clientId: string | null,
  decision: AuditOp['record']['decision'],
  rule: string | null,
];

export function packBatch(batch: readonly Op[]): WireBatch {
  const ops: (Op | null)[] = new Array(batch.length);
  const rows: AuditRow[] = [];
  const bodies: (string | null)[] = [];
  for (let i = 0; i < batch.length; i++) {
    const op = batch[i]!;
    if (op.kind !== 'audit') {
      ops[i] = op;
      continue;
    }
    ops[i] = null;
    const r = op.record;
    rows.push([
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
      r.clientId,
      r.decision,
      r.rule,
    ]);
    bodies.push(op.request, op.response);
  }
  return { ops, audits: rows.length > 0 ? JSON.stringify(rows) : '', bodies };
}

export function unpackBatch(wire: WireBatch): Op[] {
  const rows = wire.audits === '' ? [] : (JSON.parse(wire.audits) as AuditRow[]);
  let next = 0;
  return wire.ops.map((op) => {
    if (op !== null) return op;
    const r = rows[next]!;
    const b = 2 * next++;
    const audit: AuditOp = {
      kind: 'audit',
      record: {
        time: r[0],
        sessionId: r[1],
        principal: r[2],
        backend: r[3],
        worker: r[4],
        method: r[5],
        name: r[6],
        durationMs: r[7],
        outcome: r[8],
        error: r[9],
        clientId: r[10],
        decision: r[11],
        rule: r[12],
      },
      request: wire.bodies[b]!,
      response: wire.bodies[b + 1]!,
    };
    return audit;
  });
}
