/**
 * One routed request (`tools/call`, `prompts/get`, `resources/read|subscribe|unsubscribe`,
 * `completion/complete`) from the moment its backend is known to its end, as a small state
 * machine:
 *
 *     new ─run─▶ leasing ─leased─▶ dispatched ─answer─▶ answered
 *                  │  ▲                │
 *                  │  └── worker died ─┤ (retry-safe, first attempt)
 *                  ▼                   ▼ worker died (otherwise)
 *     failed, or refused (no room,     failed
 *     circuit open)
 *
 *     every live state ─abandon─▶ cancelled  (the client cancelled, its session closed, it stopped reading)
 *                             └─▶ timed-out  (the deadline passed, a parked call's client never came back)
 *
 * Leasing is the call's one backend-level step: the tier manager gives the call a place in the
 * backend's admission (its concurrency limit and queue, waited for within the call's time) and a
 * worker, in one acquire; the lease holds both, and its release gives both back. A backend with
 * no place and a full queue refuses it (`BackendOverloadedError`): the call ends `refused` with an
 * answer marked `overloaded`, which the front door turns into 503 + `Retry-After`.
 *
 * Each state carries what it holds — the worker lease — so an ending gives back exactly what its
 * state says it holds, once. Endings are final: whatever the world still
 * reports for an ended call (the backend's late reply, a permit or lease granted after a cancel, a
 * second cancel) is dropped — and given back if it is a permit or a lease — never delivered
 * twice. A transition asked of a live state that cannot take it is a bug of the gateway's and
 * throws `IllegalCallTransitionError`.
 *
 * A 2026 call parked for its client's input is not a state of its own: it stays dispatched on its
 * worker, and only its client stream is parked (`ClientSink`, `InputParking`).
 */
import type { CancelSignal } from '@switchyard/flow-balancer';
import type { AuditOutcome } from '@switchyard/journal';
import { CoordinatorError, isDuplicateRequestIdError } from '../errors.ts';
import { REQUEST_TIMEOUT } from '../jsonrpc/codes.ts';
import { errorResponse } from '../jsonrpc/responses.ts';
import {
  JSONRPC_VERSION,
  type JsonObject,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from '../jsonrpc/types.ts';
import {
  backendUnavailable,
  missingCapability,
  outcomeOf,
  overloaded,
  overloadOf,
  retryAfterOf,
} from './answers.ts';
import { isPromiseLike, reasonOf } from './backend-fleet.ts';
import type { BackendWorker, CallSink } from './backend-worker.ts';
import { ClientSink } from './client-sink.ts';
import { capabilitiesOf } from './modern.ts';
import type { WorkerLease } from './port.ts';
import type { FrontSession, InFlight } from './sessions.ts';
import { type CallTrace, withMetaEntries } from './tracing.ts';

/** A worker leased for the call. */
export interface Leased {
  readonly lease: WorkerLease;
  readonly worker: BackendWorker;
}

/** How a call ended. */
export type CallEnd = 'answered' | 'failed' | 'refused' | 'cancelled' | 'timed-out';

export type CallState =
  | { readonly kind: 'new' }
  /**
   * Waiting for a place in the backend's admission and a worker. `held`: on the second attempt,
   * the lease of the worker that died (its place goes on with the call), kept until the next one
   * is granted (and the worker a cancel is addressed to meanwhile).
   */
  | {
      readonly kind: 'leasing';
      readonly attempt: 1 | 2;
      readonly held: Leased | undefined;
    }
  /** On a worker: its progress, and its requests to the client, go to the client meanwhile. */
  | {
      readonly kind: 'dispatched';
      readonly attempt: 1 | 2;
      readonly leased: Leased;
    }
  /** Final. `outcome`: as the audit trail records it. */
  | { readonly kind: CallEnd; readonly outcome: AuditOutcome };

type Ended = Extract<CallState, { outcome: AuditOutcome }>;

/** What a call is, fixed when it is made. */
export interface CallSpec {
  readonly session: FrontSession;
  /** The client's request: its id (the call's key in the session) and method. */
  readonly request: JsonRpcRequest;
  /** The backend that owns it. */
  readonly backend: string;
  /** The params sent to the backend: with its own name or URI. */
  readonly params: JsonObject;
  /** When the request came in (coordinator's clock, ms): audit time, and where the call's time runs from. */
  readonly started: number;
  /** A tool marked read-only or idempotent: tried once more on another worker when the first died. */
  readonly retrySafe: boolean;
  /** The deadline, ms from `run`: then `timed-out` with -32001, and a cancel to the worker. */
  readonly timeoutMs: number;
  /** Where the call reports its steps when it is traced. */
  readonly trace?: CallTrace | undefined;
}

/** What the coordinator lends every call (one object for all of them). */
export interface CallHooks {
  now(): number;
  /**
   * A place in `backend`'s admission and a ready worker of it for `session` (the fleet's
   * `acquireNow` for a call): at once when both are free now, else in a promise that rejects with
   * why there is none — within `timeoutMs` (what is left of the call's time). `continues`: the
   * lease of the call's first attempt, whose place the new lease takes over.
   */
  acquire(
    backend: string,
    session: FrontSession,
    timeoutMs: number,
    continues: WorkerLease | undefined,
    signal: CancelSignal,
  ): Leased | Promise<Leased>;
  /** A request of the worker's own (sampling, elicitation, roots) while the call runs on it. */
  serverRequest(call: Call, worker: BackendWorker, message: JsonRpcRequest): void;
  /** The call ended (exactly once): its stream is ended, its permit and lease given back. */
  ended(call: Call, ending: CallEnding): void;
}

export interface CallEnding {
  readonly outcome: AuditOutcome;
  /** What the client was answered, if anything (a cancelled call's stream ends without one). */
  readonly message: JsonRpcResponse | undefined;
  /** Why it ended, when the gateway ended it. */
  readonly error: string | undefined;
  /** The worker that ran it last, if any. */
  readonly worker: string | undefined;
}

/** A transition a call's state cannot take: a bug of the gateway's, not of a client or a backend. */
export class IllegalCallTransitionError extends CoordinatorError {
  constructor(
    readonly state: CallState['kind'],
    readonly transition: string,
  ) {
    super('IllegalCallTransitionError', `a call that is ${state} cannot take "${transition}"`);
  }
}

const ILLEGAL_BRAND = Symbol.for('switchyard.coordinator.IllegalCallTransitionError');

export function isIllegalCallTransitionError(value: unknown): value is IllegalCallTransitionError {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[ILLEGAL_BRAND] === true
  );
}

const NEW: CallState = { kind: 'new' };
const LEASING: CallState = { kind: 'leasing', attempt: 1, held: undefined };

function isEnded(state: CallState): state is Ended {
  return 'outcome' in state;
}

/**
 * A call is its own cancel signal (flow-balancer's `CancelSignal`): it fires when the call ends, so
 * a wait for an admission place stops with it — with no `AbortController` per call.
 */
export class Call implements InFlight, CancelSignal {
  /** Where the call's messages go: the stream of the client request waiting for them. */
  readonly sink: ClientSink;
  /** What the client declared: a 2026 request's own, else its session's. */
  readonly clientCapabilities: JsonObject;
  /** Capabilities the backend asked for during this 2026 call that its client did not declare. */
  private readonly missing = new Set<string>();
  private current: CallState = NEW;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Who waits on the call's end (at most one wait at a time: its acquire's). */
  private onEnd: (() => void) | undefined;

  constructor(
    readonly spec: CallSpec,
    private readonly hooks: CallHooks,
  ) {
    this.sink = new ClientSink(spec.request.id, () =>
      this.abandon('cancelled', 'the client stopped reading'),
    );
    this.clientCapabilities = capabilitiesOf(spec.request) ?? spec.session.clientCapabilities;
  }

  get state(): CallState {
    return this.current;
  }

  get isEnded(): boolean {
    return isEnded(this.current);
  }

  /** `CancelSignal`: the call has ended. */
  get aborted(): boolean {
    return isEnded(this.current);
  }

  /** `CancelSignal`: why it ended. */
  get reason(): unknown {
    return this.current.kind;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (isEnded(this.current)) return;
    this.onEnd = listener;
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    if (this.onEnd === listener) this.onEnd = undefined;
  }

  /** The worker the call is on (or, between attempts, the one it was on). */
  get worker(): BackendWorker | undefined {
    const s = this.current;
    if (s.kind === 'dispatched') return s.leased.worker;
    return s.kind === 'leasing' ? s.held?.worker : undefined;
  }

  /**
   * Starts the call: it becomes its session's request in flight under the client's id, its
   * deadline runs, and it waits for a place in its backend and a worker. The messages come on
   * `sink.stream`.
   */
  run(): void {
    if (this.current.kind !== 'new') throw new IllegalCallTransitionError(this.current.kind, 'run');
    this.spec.session.inflight.set(this.spec.request.id, this);
    this.timer = setTimeout(() => this.expire(), this.spec.timeoutMs);
    // Admission and the lease are one step now: the trace's admission wait is nil, the wait is the lease's.
    this.spec.trace?.admitted();
    this.current = LEASING;
    this.lease();
  }

  /**
   * A worker was leased: the request goes to it, and what it sends for the request comes back to
   * this call while it is the call's current attempt. A lease granted after the call ended is
   * given back at once.
   */
  leased(leased: Leased): boolean {
    if (isEnded(this.current)) {
      leased.lease.release();
      return false;
    }
    const leasing = this.expect('leasing', 'leased');
    leasing.held?.lease.release();
    const dispatched: CallState = { kind: 'dispatched', attempt: leasing.attempt, leased };
    this.current = dispatched;
    const { session, request, params, trace } = this.spec;
    // A traced call carries its trace context to the backend in `_meta` (SEP-414).
    const meta = trace?.leased(leased.worker.id);
    try {
      leased.worker.call(
        session.id,
        {
          jsonrpc: JSONRPC_VERSION,
          id: request.id,
          method: request.method,
          params: meta ? withMetaEntries(params, meta) : params,
        },
        this.sinkOf(dispatched, leased.worker),
        { clientCapabilities: this.clientCapabilities },
      );
    } catch (e) {
      this.unavailable(e);
    }
    return true;
  }

  /** The backend answered: the client gets it (as -32021 when it failed for want of a capability). */
  answer(message: JsonRpcResponse): boolean {
    if (isEnded(this.current)) return false;
    this.expect('dispatched', 'answer');
    const answer = this.missing.size > 0 ? missingCapability(message, this.missing) : message;
    this.end('answered', answer, outcomeOf(answer));
    return true;
  }

  /**
   * The worker went away before answering: a retry-safe call on its first attempt is leased
   * another worker; any other ends with an error that says whether it was retried.
   */
  workerClosed(reason: string): boolean {
    if (isEnded(this.current)) return false;
    const dispatched = this.expect('dispatched', 'workerClosed');
    const { retrySafe, request, backend } = this.spec;
    if (retrySafe && dispatched.attempt === 1) {
      this.current = { kind: 'leasing', attempt: 2, held: dispatched.leased };
      this.lease();
      return true;
    }
    const words = retrySafe
      ? `${reason} (retried once on another worker)`
      : `${reason} (the request may have reached it; not retried: the tool is not marked read-only or idempotent)`;
    this.end('failed', backendUnavailable(request.id, backend, words), 'error', reason);
    return true;
  }

  /**
   * Ends the call for the client at once (cancel, session close, client gone, timeout), with
   * `message` if given; the worker it is on is told, with its own id. False when already ended.
   */
  abandon(outcome: 'cancelled' | 'timeout' | 'rejected', reason: string, message?: JsonRpcResponse): boolean {
    if (isEnded(this.current)) return false;
    if (this.current.kind === 'new') throw new IllegalCallTransitionError('new', 'abandon');
    this.worker?.cancel(this.spec.session.id, this.spec.request.id, reason);
    const end: CallEnd =
      outcome === 'cancelled' ? 'cancelled' : outcome === 'timeout' ? 'timed-out' : 'refused';
    this.end(end, message, outcome, reason);
    return true;
  }

  /** The backend asked for `capability`, which the client did not declare (2026): a failure names it. */
  lacks(capability: string): void {
    this.missing.add(capability);
  }

  private lease(): void {
    const { backend, session, timeoutMs, started } = this.spec;
    const held = this.current.kind === 'leasing' ? this.current.held : undefined;
    let got: Leased | Promise<Leased>;
    try {
      // The first attempt has the call's whole time; a retry what is left of it.
      got =
        held === undefined
          ? this.hooks.acquire(backend, session, timeoutMs, undefined, this)
          : this.hooks.acquire(
              backend,
              session,
              Math.max(1, timeoutMs - (this.hooks.now() - started)),
              held.lease,
              this,
            );
    } catch (e) {
      this.unavailable(e);
      return;
    }
    // A worker ready now is leased at once (no promise on the call's path).
    if (isPromiseLike(got)) {
      got.then(
        (leased) => this.leased(leased),
        (e: unknown) => this.unavailable(e),
      );
    } else {
      this.leased(got);
    }
  }

  /** No worker could be had, or the worker would not take the request. */
  private unavailable(e: unknown): void {
    if (isEnded(this.current)) return;
    const { request, backend } = this.spec;
    const reason = isDuplicateRequestIdError(e) ? 'duplicate request id' : reasonOf(e);
    // No place in the backend and its queue full: refused at once, marked overloaded.
    if (overloadOf(e)) {
      this.end('refused', overloaded(request.id, backend, reason), 'rejected', reason);
      return;
    }
    const retry = retryAfterOf(e);
    // A circuit breaker open: refused at once, with when to come back.
    if (retry !== undefined)
      this.end('refused', backendUnavailable(request.id, backend, reason, retry), 'rejected', reason);
    else this.end('failed', backendUnavailable(request.id, backend, reason), 'error', reason);
  }

  private expire(): void {
    const { request, backend, timeoutMs } = this.spec;
    const message = errorResponse(request.id, {
      code: REQUEST_TIMEOUT,
      message: `Request timed out after ${timeoutMs} ms (backend "${backend}")`,
      data: { backend, timeoutMs },
    });
    this.abandon('timeout', 'request timed out', message);
  }

  /**
   * The worker's view of one attempt: it reports to the call only while that attempt is the
   * call's state, so nothing of an ended call, or of an earlier attempt, reaches the client.
   */
  private sinkOf(attempt: CallState, worker: BackendWorker): CallSink {
    const modern = this.spec.session.era === 'modern';
    return {
      progress: (m) => {
        if (this.current === attempt) this.sink.push(m);
      },
      response: (m) => {
        if (this.current === attempt) this.answer(m);
      },
      closed: (reason) => {
        if (this.current === attempt) this.workerClosed(reason);
      },
      serverRequest: (m) => {
        if (this.current === attempt) this.hooks.serverRequest(this, worker, m);
      },
      exclusive: modern,
      isParked: () => this.sink.parkedAs !== undefined,
    };
  }

  /** The one way out: every ending passes here once, and gives back what its state held. */
  private end(
    kind: CallEnd,
    message: JsonRpcResponse | undefined,
    outcome: AuditOutcome,
    error?: string,
  ): void {
    const was = this.current;
    this.current = { kind, outcome };
    clearTimeout(this.timer);
    const onEnd = this.onEnd;
    this.onEnd = undefined;
    onEnd?.();
    if (message) this.sink.push(message);
    this.sink.end();
    this.spec.session.inflight.delete(this.spec.request.id);
    const leased = was.kind === 'dispatched' ? was.leased : was.kind === 'leasing' ? was.held : undefined;
    leased?.lease.release();
    this.spec.trace?.ended(outcome, message, error);
    this.hooks.ended(this, { outcome, message, error, worker: leased?.worker.id });
  }

  private expect<K extends CallState['kind']>(kind: K, transition: string): Extract<CallState, { kind: K }> {
    const s = this.current;
    if (s.kind !== kind) throw new IllegalCallTransitionError(s.kind, transition);
    return s as Extract<CallState, { kind: K }>;
  }
}
