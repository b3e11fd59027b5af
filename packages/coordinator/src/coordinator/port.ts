/**
 * What the coordinator needs from the tier manager, and nothing more: a lease on a ready worker of
 * a backend for a front session, a way to send it JSON-RPC messages and to hear what it sends, and
 * the end of a session. `@switchyard/multi-tier` is adapted to this port (see the README); tests
 * implement it over real stdio processes.
 *
 * The coordinator performs the MCP handshake itself, once per worker (keyed by `WorkerChannel.id`),
 * the first time a lease on that worker is handed to it: a tier manager whose `ready` hook already
 * did it reports so through `initialized` and the coordinator does not repeat it.
 */
import type { CancelSignal } from '@switchyard/flow-balancer';
import type { JsonObject, JsonRpcMessage } from '../jsonrpc/types.ts';

/**
 * On a server-to-client request a channel makes up (a 2026 backend's `input_required`, turned into
 * a request), the wire id of the request it belongs to: not serialised, read in-process only.
 */
export const RELATED_REQUEST: unique symbol = Symbol('switchyard.relatedRequest');

/** On such a made-up request, the key the backend gave it in its `inputRequests`. */
export const INPUT_KEY: unique symbol = Symbol('switchyard.inputKey');

/** What a channel may want to know of the client a request is sent for. */
export interface SendContext {
  /** The capabilities the client declared (2026 backends are told them in each request's `_meta`). */
  clientCapabilities?: JsonObject;
}

/** One backend worker, as a message pipe. */
export interface WorkerChannel {
  /** Unique among all live and past workers of the manager. */
  readonly id: string;
  /** Sends one message (request, notification or response) to the worker. */
  send(message: JsonRpcMessage, context?: SendContext): void;
  /**
   * Writes one message to the worker outside the request path (no queue, no timeout, no answer
   * expected): how a long-lived `subscriptions/listen` is opened. Absent where the channel has no
   * such path.
   */
  post?(message: JsonRpcMessage): void;
  /** Every message the worker sends; returns the unsubscribe function. */
  onMessage(listener: (message: JsonRpcMessage) => void): () => void;
  /** Called once when the worker is gone (exit, crash, stop), with a reason a person can read. */
  onClose(listener: (reason: string) => void): () => void;
  /** The backend's `initialize` result, when a `ready` hook already made the handshake. */
  readonly initialized?: BackendHandshake;
}

/** What the handshake with one worker gave. */
export interface BackendHandshake {
  protocolVersion: string;
  /** `modern`: the worker speaks 2026-07-28 (`server/discover`, no session). Default `legacy`. */
  era?: 'legacy' | 'modern';
  /** The worker's whole `initialize` result. */
  result: { capabilities?: Record<string, unknown>; instructions?: string; [key: string]: unknown };
}

/** A worker handed out for one use; `release` gives it back. */
export interface WorkerLease {
  readonly worker: WorkerChannel;
  release(): void;
}

export interface AcquireOptions {
  /** The front session the work is for (affinity, per-session isolation). */
  session: string;
  /** The principal of that session (per-principal isolation binds one worker per principal). */
  principal?: string;
  /** `false`: no affinity on shared backends for this session (each acquire takes the least busy worker). */
  sticky?: boolean;
  signal?: AbortSignal;
  /** How long a worker may take to be ready, ms (relative: the port and the manager need not share a clock). */
  timeoutMs?: number;
  /**
   * A routed call: it takes a place in the backend's admission (its concurrency limit and queue)
   * before a worker, held by the lease; a refusal rejects with an error named
   * `BackendOverloadedError`. The wait for a place counts against `timeoutMs`.
   */
  admit?: boolean;
  /** A call going on on another worker: the lease it held, whose admission place the new one takes over. */
  continues?: WorkerLease;
  /** The call's end (cancelled, timed out): a wait for an admission place stops there. */
  callSignal?: CancelSignal;
}

/** The tier manager, as the coordinator sees it. */
export interface TierPort {
  /** A ready worker of `backend`; rejects with an `Error` whose message says why there is none. */
  acquire(backend: string, options: AcquireOptions): Promise<WorkerLease>;
  /**
   * `acquire`, except that a worker to be had at once may come as it is rather than in a promise
   * (a call's hot path then pays no promise for it). Optional: without it, `acquire` is used.
   */
  acquireNow?(backend: string, options: AcquireOptions): WorkerLease | Promise<WorkerLease>;
  /** The front session ended: its dedicated workers may go. */
  endSession(session: string): Promise<void>;
  /** The principal's last session ended: its per-principal workers may go. */
  endPrincipal?(principal: string): Promise<void>;
}
