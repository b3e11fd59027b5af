/**
 * Typed errors of the tier manager. Each class carries a `Symbol.for('switchyard.multi-tier.<Name>')`
 * brand, so its `isXxxError` guard works across realms and across copies of the package, where
 * `instanceof` would not.
 */

/** Marks `cls` with its brand and returns the guard that recognises it (and its subclasses). */
// biome-ignore lint/suspicious/noExplicitAny: a class constructor of any signature
function brand<T>(cls: abstract new (...args: any[]) => T, name: string): (e: unknown) => e is T {
  const key = Symbol.for(`switchyard.multi-tier.${name}`);
  Object.defineProperty(cls.prototype, key, { value: true });
  return (e: unknown): e is T =>
    typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[key] === true;
}

/** Base of every error the tier manager raises. */
export class MultiTierError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
export const isMultiTierError = brand(MultiTierError, 'MultiTierError');

/** `acquire()` (or `endSession`'s caller) named a backend the manager does not have. */
export class UnknownBackendError extends MultiTierError {
  constructor(
    readonly backend: string,
    readonly known: readonly string[],
  ) {
    super(`unknown backend "${backend}" (known: ${known.join(', ') || 'none'})`);
  }
}
export const isUnknownBackendError = brand(UnknownBackendError, 'UnknownBackendError');

/**
 * `acquire()` named a backend that `removeBackend()` is removing: it takes no new acquires, and the
 * acquires that were waiting for one of its workers to start end with this. An `UnknownBackendError`
 * (its guard recognises it too) whose `known` lists the backends left.
 */
export class BackendRemovedError extends UnknownBackendError {
  constructor(backend: string, known: readonly string[]) {
    super(backend, known);
    this.message = `backend "${backend}" was removed (known: ${known.join(', ') || 'none'})`;
  }
}
export const isBackendRemovedError = brand(BackendRemovedError, 'BackendRemovedError');

/** `addBackend()` named a backend the manager already has, or one `removeBackend()` is still removing. */
export class BackendExistsError extends MultiTierError {
  constructor(
    readonly backend: string,
    /** True when the backend of that name is still being removed (its workers stopping). */
    readonly removing: boolean,
  ) {
    super(
      removing
        ? `backend "${backend}" is still being removed: await removeBackend("${backend}") before adding it again`
        : `backend "${backend}" already exists: remove it first to replace it`,
    );
  }
}
export const isBackendExistsError = brand(BackendExistsError, 'BackendExistsError');

/**
 * The backend cannot start (bad command, crash loop, ready hook failing). Acquires fail fast with
 * this until the retry at `retryAt` (on the manager's clock) succeeds.
 *
 * The message names the backend and the reason (`exit code 3`, `spawn failed: …`) and never the
 * backend's stderr: a message can reach clients, and stderr holds what a backend logs (DSNs,
 * tokens). The tail is `stderrTail`, for the operator's log and the admin view.
 */
export class BackendFailedError extends MultiTierError {
  constructor(
    readonly backend: string,
    readonly reason: string,
    /** The last stderr lines of the last worker: for logs and admins, never for clients. */
    readonly stderrTail: readonly string[],
    /** Failed starts (or crashes) in a row. */
    readonly failures: number,
    /** When the next start will be tried, on the manager's clock. */
    readonly retryAt: number,
    options?: {
      cause?: unknown /** The time until `retryAt`, ms: said in the message (a refusal while failed). */;
      retryInMs?: number;
    },
  ) {
    const next =
      options?.retryInMs === undefined ? '' : ` (next attempt in ${Math.ceil(options.retryInMs)} ms)`;
    super(`backend "${backend}" failed: ${reason}${next}`, options);
  }
}
export const isBackendFailedError = brand(BackendFailedError, 'BackendFailedError');

/**
 * The backend's circuit breaker is open: its calls failed at a high rate (see `Lease.report`), so
 * acquires fail fast until `retryAt` (on the manager's clock), when one probe is let through; its
 * success closes the breaker. `state` is `half-open` while that probe is in flight.
 */
export class BackendCircuitOpenError extends MultiTierError {
  constructor(
    readonly backend: string,
    readonly state: 'open' | 'half-open',
    /** How long until a call may be tried again, ms. */
    readonly retryAfterMs: number,
    /** When, on the manager's clock. */
    readonly retryAt: number,
  ) {
    super(
      `backend "${backend}": circuit open, retry after ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s` +
        (state === 'half-open' ? ' (a probe call is in flight)' : ' (its calls failed at a high rate)'),
    );
  }
}
export const isBackendCircuitOpenError = brand(BackendCircuitOpenError, 'BackendCircuitOpenError');

/** Why a session's dedicated worker is gone. */
export type SessionLossReason = 'crashed' | 'stopped';

/**
 * The dedicated worker of a `per-session` session (or of a `per-principal` principal) died: its
 * state is gone, so the session is not moved to another worker. End the session (`endSession`, or
 * `endPrincipal`) and start a new one. `detail` is the exit's reason (`exit code 3`), never stderr.
 */
export class SessionWorkerLostError extends MultiTierError {
  constructor(
    readonly backend: string,
    /** The session (per-session), or the acquiring session, `''` for none (per-principal). */
    readonly session: string,
    readonly reason: SessionLossReason,
    readonly detail: string,
    /** Per-principal backends: the principal whose worker is gone. */
    readonly principal?: string,
  ) {
    super(
      principal === undefined
        ? `the worker of session "${session}" on backend "${backend}" is gone (${reason}: ${detail})`
        : `the worker of principal "${principal}" on backend "${backend}" is gone (${reason}: ${detail})`,
    );
  }
}
export const isSessionWorkerLostError = brand(SessionWorkerLostError, 'SessionWorkerLostError');

/**
 * The signal a backend's `ready` hook (or a remote backend's `connect`) throws when a worker bound to
 * a principal (or a session) cannot start *for that binding's own reason* — e.g. a remote server
 * rejected that principal's credentials (HTTP 401/403) — and not for a fault of the backend. The
 * acquires waiting for that worker fail with this very error, and the binding is forgotten (the
 * principal's next acquire asks `authorize` again and starts a new worker); the backend's health,
 * retry backoff and circuit breaker are untouched, and other principals keep being served. A worker
 * not bound to anyone (a shared backend's, a spare) that throws it is a failed start like any other:
 * there is no binding to refuse. The message is the thrower's, as the caller should read it.
 */
export class BindingRefusedError extends MultiTierError {}
export const isBindingRefusedError = brand(BindingRefusedError, 'BindingRefusedError');

/** What the global budget held when a start was refused. */
export interface BudgetFigures {
  workers: number;
  maxWorkers: number;
  memoryMb: number;
  maxMemoryMb: number;
  /** What the refused start needed. */
  neededMemoryMb: number;
}

/** A start was needed, the global budget is full and nothing idle could be evicted. */
export class BudgetExceededError extends MultiTierError {
  constructor(
    readonly backend: string,
    readonly figures: BudgetFigures,
  ) {
    super(
      `no room to start a worker of "${backend}": ${figures.workers}/${figures.maxWorkers} workers, ` +
        `${figures.memoryMb}/${figures.maxMemoryMb} MB in use, ${figures.neededMemoryMb} MB needed, ` +
        'and every worker is in use or protected',
    );
  }
}
export const isBudgetExceededError = brand(BudgetExceededError, 'BudgetExceededError');

/**
 * A `per-session` (`per-principal`) backend has `replicas.max` workers, each bound to a session (to a
 * principal, each with a lease out or starting: an idle one would have made room).
 */
export class BackendAtCapacityError extends MultiTierError {
  constructor(
    readonly backend: string,
    readonly max: number,
    readonly boundTo: 'sessions' | 'principals' = 'sessions',
  ) {
    super(
      boundTo === 'principals'
        ? `backend "${backend}" has its ${max} workers (replicas.max) all bound to principals and in use`
        : `backend "${backend}" has its ${max} workers (replicas.max) all bound to sessions`,
    );
  }
}
export const isBackendAtCapacityError = brand(BackendAtCapacityError, 'BackendAtCapacityError');

/**
 * A call (`acquire` with `admit`) found the backend's admission full: `limit` calls in flight
 * (`concurrency` × `replicas.max`) and `queue` waiting. Refused at once; worth trying again shortly.
 */
export class BackendOverloadedError extends MultiTierError {
  /** When to come back, ms. */
  readonly retryAfterMs = 1000;
  constructor(
    readonly backend: string,
    readonly limit: number,
    readonly queue: number,
  ) {
    super(
      queue === 0
        ? `all ${limit} places of "${backend}" are taken (limits.concurrency × replicas.max) and it queues none`
        : `all ${limit} places of "${backend}" are taken and its queue of ${queue} is full (limits.queue)`,
    );
  }
}
export const isBackendOverloadedError = brand(BackendOverloadedError, 'BackendOverloadedError');

/** The acquire's deadline passed before a ready worker was found. */
export class AcquireTimeoutError extends MultiTierError {
  constructor(
    readonly backend: string,
    /** How long the acquire waited, ms. */
    readonly waitedMs: number,
  ) {
    super(`no ready worker of "${backend}" before the deadline (waited ${Math.round(waitedMs)} ms)`);
  }
}
export const isAcquireTimeoutError = brand(AcquireTimeoutError, 'AcquireTimeoutError');

/** The acquire's `AbortSignal` fired. */
export class AcquireAbortedError extends MultiTierError {
  constructor(
    readonly backend: string,
    readonly reason: unknown,
  ) {
    super(`acquire of "${backend}" aborted`, { cause: reason });
  }
}
export const isAcquireAbortedError = brand(AcquireAbortedError, 'AcquireAbortedError');

/** `start()`'s deadline passed or its signal fired before the hot backends were ready. */
export class StartInterruptedError extends MultiTierError {
  constructor(
    readonly kind: 'timeout' | 'aborted',
    /** The hot backends not ready yet. */
    readonly pending: readonly string[],
    reason?: unknown,
  ) {
    super(
      `start ${kind === 'timeout' ? 'timed out' : 'aborted'} with ${pending.join(', ')} not ready`,
      reason === undefined ? undefined : { cause: reason },
    );
  }
}
export const isStartInterruptedError = brand(StartInterruptedError, 'StartInterruptedError');

/** The manager is stopping or stopped. */
export class ManagerClosedError extends MultiTierError {
  constructor() {
    super('the tier manager is stopped');
  }
}
export const isManagerClosedError = brand(ManagerClosedError, 'ManagerClosedError');

/**
 * A `remote` backend was configured without `connect`: this package opens no connection itself (it
 * holds no HTTP client), so a remote backend needs a transport factory to be one of its pools.
 */
export class RemoteBackendNotSupportedError extends MultiTierError {
  constructor(
    readonly backend: string,
    readonly url: string,
  ) {
    super(
      `backend "${backend}" is remote (${url}): without connect (a transport factory) @switchyard/multi-tier cannot reach it`,
    );
  }
}
export const isRemoteBackendNotSupportedError = brand(
  RemoteBackendNotSupportedError,
  'RemoteBackendNotSupportedError',
);
