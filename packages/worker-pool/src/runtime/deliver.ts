/**
 * What a JSON-RPC speaking runtime (a process's stdout line, a remote transport's message) does with
 * one parsed message: an answer to one of our requests settles it, a message that is not JSON-RPC is
 * a protocol fault (and fails the request it still names), anything else goes to the pool.
 */
import { ProtocolFaultError, TaskFailedError } from '../errors.ts';
import { classify, type JsonRpcFailure, type JsonRpcMessage } from '../jsonrpc.ts';
import type { RuntimeSink } from './types.ts';

/** How much of a bad message a fault report keeps. */
export const SAMPLE_CHARS = 200;

/**
 * Deliver `message` from worker `workerId` to `sink`. `raw` is the text it was parsed from, where
 * there is one (the fault sample is cut from it); otherwise the sample is the message re-serialized.
 */
export function deliverMessage(sink: RuntimeSink, workerId: number, message: unknown, raw?: string): void {
  const kind = classify(message);
  if (kind === 'response') {
    const m = message as { id: unknown; result?: unknown; error?: JsonRpcFailure['error'] };
    // Our ids are numbers; anything else is not an answer to us.
    if (typeof m.id !== 'number') return;
    if (m.error === undefined) {
      sink.onSettle(m.id, true, m.result);
    } else {
      const err = m.error;
      const text = typeof err?.message === 'string' ? err.message : 'JSON-RPC error';
      sink.onSettle(m.id, false, new TaskFailedError(text, { code: err?.code, data: err?.data }));
    }
  } else if (kind === 'invalid') {
    const sample = raw === undefined ? sampleOf(message) : raw.slice(0, SAMPLE_CHARS);
    sink.onFault('invalid-message', sample);
    // A broken answer that still names one of our requests fails that request now.
    const id = (message as { id?: unknown } | null)?.id;
    if (typeof id === 'number') {
      sink.onSettle(id, false, new ProtocolFaultError(workerId, 'invalid-message', sample));
    }
  } else {
    sink.onMessage(message as JsonRpcMessage);
  }
}

function sampleOf(message: unknown): string {
  try {
    return String(JSON.stringify(message)).slice(0, SAMPLE_CHARS);
  } catch {
    return String(message).slice(0, SAMPLE_CHARS);
  }
}
