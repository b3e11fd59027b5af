/**
 * The seam a tracer plugs into a routed call, without the coordinator knowing any tracing library:
 * the gateway passes `MCPCoordinatorOptions.tracing` (an OpenTelemetry implementation lives in the
 * app), and each call asks it once, as it is made, for a `CallTrace` to report its steps to.
 *
 * Without `tracing` — or when `start` answers `undefined` (the call is not sampled) — a call does
 * nothing more than test one field for `undefined` at each step: no object, no closure.
 */
import type { AuditOutcome } from '@switchyard/journal';
import { isJsonObject, type JsonObject, type JsonRpcResponse, type RequestId } from '../jsonrpc/types.ts';

/** What a tracer is told of a routed call as it is made. */
export interface TracedCall {
  /** The JSON-RPC method (`tools/call`, `resources/read` …). */
  readonly method: string;
  /** The backend that owns it. */
  readonly backend: string;
  /** The front name of the tool or prompt, or the resource URI, where the method has one. */
  readonly name: string | null;
  /** The front session (a 2026 request's stand-in session). */
  readonly session: string;
  readonly era: 'legacy' | 'modern';
  /** The client's request id. */
  readonly requestId: RequestId;
}

export interface CallTracing {
  /**
   * A routed call is made: called synchronously in the handling of the client's request (so a
   * tracer may read its context from where the front door runs it). `undefined`: not traced.
   */
  start(call: TracedCall): CallTrace | undefined;
}

/** One traced call's steps, each reported once, in order (a call may end at any step). */
export interface CallTrace {
  /** The backend's admission let the call in (or it has none). */
  admitted(): void;
  /**
   * A worker was leased and the request is about to go to it (once per attempt). The answer's
   * entries (W3C `traceparent`, `tracestate`: SEP-414) are put in the `params._meta` of the
   * request sent to the backend.
   */
  leased(worker: string): JsonObject | undefined;
  /** The call ended, as the audit trail records it; `message` is what the client was answered. */
  ended(outcome: AuditOutcome, message: JsonRpcResponse | undefined, error: string | undefined): void;
}

/** `params` with `entries` added to its `_meta` (a new object; `params` is not changed). */
export function withMetaEntries(params: JsonObject, entries: JsonObject): JsonObject {
  const base = isJsonObject(params._meta) ? params._meta : undefined;
  return { ...params, _meta: { ...base, ...entries } };
}
