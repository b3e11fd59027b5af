/**
 * Typed errors of the pool. Each class carries a `Symbol.for('switchyard.worker-pool.<Name>')`
 * brand, so its `isXxxError` guard works across realms and across copies of the package.
 */

/** Marks `cls` with its brand and returns the guard that recognises it (and its subclasses). */
// biome-ignore lint/suspicious/noExplicitAny: a class constructor of any signature
function brand<T>(cls: abstract new (...args: any[]) => T, name: string): (e: unknown) => e is T {
  const key = Symbol.for(`switchyard.worker-pool.${name}`);
  Object.defineProperty(cls.prototype, key, { value: true });
  return (e: unknown): e is T =>
    typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[key] === true;
}

/** Base of every error the pool raises. */
export class WorkerPoolError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
export const isWorkerPoolError = brand(WorkerPoolError, 'WorkerPoolError');

/** Where a task was when it ended badly. */
export type TaskPhase = 'queued' | 'running';

/** The task's time budget (`timeoutMs`, counted from submission) ran out. */
export class TaskTimeoutError extends WorkerPoolError {
  constructor(
    readonly timeoutMs: number,
    readonly phase: TaskPhase,
  ) {
    super(`task timed out after ${timeoutMs} ms while ${phase}`);
  }
}
export const isTaskTimeoutError = brand(TaskTimeoutError, 'TaskTimeoutError');

/** The task's `AbortSignal` fired. `reason` is the signal's reason. */
export class TaskAbortedError extends WorkerPoolError {
  constructor(
    readonly phase: TaskPhase,
    readonly reason?: unknown,
  ) {
    super(`task aborted while ${phase}`, { cause: reason });
  }
}
export const isTaskAbortedError = brand(TaskAbortedError, 'TaskAbortedError');

/**
 * The handler threw (thread workers) or the process answered with a JSON-RPC error. For processes
 * `code` and `data` are the JSON-RPC error's; for threads `remoteName`/`remoteStack` are the
 * thrown error's.
 */
export class TaskFailedError extends WorkerPoolError {
  readonly code: number | string | undefined;
  readonly data: unknown;
  readonly remoteName: string | undefined;
  readonly remoteStack: string | undefined;
  constructor(
    message: string,
    details: { code?: number | string; data?: unknown; remoteName?: string; remoteStack?: string } = {},
  ) {
    super(message);
    this.code = details.code;
    this.data = details.data;
    this.remoteName = details.remoteName;
    this.remoteStack = details.remoteStack;
  }
}
export const isTaskFailedError = brand(TaskFailedError, 'TaskFailedError');

/** Why a worker went away with tasks on it. */
export type WorkerLossReason = 'exit' | 'error' | 'unhealthy' | 'memory' | 'startup' | 'stopped';

/**
 * The worker running the task died (or was recycled as unhealthy). `delivered` says whether the
 * task had reached the worker: `false` means it certainly did not run, so a retry is safe.
 */
export class WorkerCrashedError extends WorkerPoolError {
  constructor(
    readonly workerId: number,
    readonly delivered: boolean,
    readonly reason: WorkerLossReason,
    detail?: string,
  ) {
    super(
      `worker ${workerId} was lost (${reason}${detail ? `: ${detail}` : ''}); task ${delivered ? 'was' : 'was not'} delivered`,
    );
  }
}
export const isWorkerCrashedError = brand(WorkerCrashedError, 'WorkerCrashedError');

/**
 * The pool no longer accepts tasks (`drain()`/`stop()` was called), or it stopped before a queued
 * task could run. `delivered` is true for a task that was running when the drain deadline passed.
 */
export class PoolClosedError extends WorkerPoolError {
  constructor(readonly delivered = false) {
    super(delivered ? 'pool stopped while the task was running' : 'pool is closed');
  }
}
export const isPoolClosedError = brand(PoolClosedError, 'PoolClosedError');

/**
 * The pool gave up after a crash loop. `stderrTail` holds the last stderr lines of the last worker;
 * they are not in the message, which may be shown to whoever sent the task (a worker's stderr can
 * hold secrets): log the field where only the operator reads it.
 */
export class PoolFailedError extends WorkerPoolError {
  constructor(
    readonly crashes: number,
    readonly windowMs: number,
    readonly stderrTail: readonly string[],
    readonly lastError?: string,
  ) {
    super(
      `pool failed: ${crashes} worker crashes within ${windowMs} ms` +
        (lastError ? ` (last: ${lastError})` : ''),
    );
  }
}
export const isPoolFailedError = brand(PoolFailedError, 'PoolFailedError');

/**
 * `startWorker()` or `reserve()` needed one more worker and the pool already has `max` live (starting,
 * ready): nothing was started.
 */
export class PoolAtCapacityError extends WorkerPoolError {
  constructor(readonly max: number) {
    super(`pool is at capacity (${max} workers live)`);
  }
}
export const isPoolAtCapacityError = brand(PoolAtCapacityError, 'PoolAtCapacityError');

/** A task pinned to a worker (`workerId`, or `key` with no worker reserved for it) that is not live. */
export class NoSuchWorkerError extends WorkerPoolError {
  constructor(readonly target: { workerId?: number; key?: string }) {
    super(
      target.key !== undefined
        ? `no worker is reserved for key ${JSON.stringify(target.key)}`
        : `no live worker ${target.workerId}`,
    );
  }
}
export const isNoSuchWorkerError = brand(NoSuchWorkerError, 'NoSuchWorkerError');

/** The queue is at capacity; the task was refused at once. */
export class PoolQueueFullError extends WorkerPoolError {
  constructor(readonly capacity: number) {
    super(`pool queue is full (${capacity} tasks waiting)`);
  }
}
export const isPoolQueueFullError = brand(PoolQueueFullError, 'PoolQueueFullError');

/** What a worker sent broke the protocol: a line too long, not JSON, or not a JSON-RPC message. */
export type ProtocolFaultKind = 'line-too-long' | 'invalid-json' | 'invalid-message';

/** A line over the limit: how long it was and the limit (characters). */
export interface LineSize {
  length: number;
  limit: number;
}

export class ProtocolFaultError extends WorkerPoolError {
  /** For `line-too-long`: the line's length and the limit, in characters. */
  readonly size: LineSize | undefined;
  constructor(
    readonly workerId: number,
    readonly kind: ProtocolFaultKind,
    readonly sample: string,
    size?: LineSize,
  ) {
    super(
      size
        ? `worker ${workerId} protocol fault (${kind}): its answer is a line of ${size.length} characters, over the limit of ${size.limit} (maxLineLength)`
        : `worker ${workerId} protocol fault (${kind}): ${sample}`,
    );
    this.size = size;
  }
}
export const isProtocolFaultError = brand(ProtocolFaultError, 'ProtocolFaultError');

/** A thread pool was asked for a handler its module does not export. */
export class UnknownHandlerError extends WorkerPoolError {
  constructor(readonly handler: string) {
    super(`the worker module exports no function named '${handler}'`);
  }
}
export const isUnknownHandlerError = brand(UnknownHandlerError, 'UnknownHandlerError');
