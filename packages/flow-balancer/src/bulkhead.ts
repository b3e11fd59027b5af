/**
 * Admission as a promise: a `ConcurrencyLimiter` and a `DeadlineQueue` composed. `acquire()`
 * resolves at once while the limiter has room, otherwise waits in the queue; a released permit is
 * handed straight to the next waiter. Waiting ends in a rejection — `QueueFullError` (no room to
 * wait), `DeadlineExceededError`, `AbortedError`, or `LoadShedError` from an optional shedder —
 * never in a hang.
 */
import { type Clock, systemClock } from './clock.ts';
import {
  type ConcurrencyLimiter,
  OncePermit,
  type Outcome,
  type Permit,
  type ReleaseResult,
} from './concurrency/limiter.ts';
import {
  AbortedError,
  DeadlineExceededError,
  isAbortedError,
  isCircuitOpenError,
  isDeadlineExceededError,
  isLoadShedError,
  isQueueFullError,
  QueueFullError,
} from './errors.ts';
import { checkFunction, checkObject, optionalNumber } from './internal/validate.ts';
import { DeadlineQueue, type QueueOrder } from './queue/deadline-queue.ts';
import type { LoadShedder } from './shed/load-shedder.ts';

export interface BulkheadOptions {
  /** Decides how many run at once: `FixedLimiter`, `AimdLimiter`, `GradientLimiter`, or your own. */
  limiter: ConcurrencyLimiter;
  /** Most callers waiting; 0 refuses at once when the limiter is full. Default 1024; Infinity allowed. */
  queueCapacity?: number;
  /** The queue's order; default `'fifo'`. */
  order?: QueueOrder;
  /** See `DeadlineQueue`. */
  overloadThreshold?: number;
  /** Consulted before a caller starts waiting; fed each released permit's latency. */
  shedder?: LoadShedder;
  clock?: Clock;
}

export interface AcquireOptions {
  signal?: AbortSignal;
  /** Absolute time (clock milliseconds) by which a permit must be granted. */
  deadline?: number;
}

interface Waiter {
  resolve: (permit: Permit) => void;
  reject: (error: unknown) => void;
}

const OWNER = 'Bulkhead';

export class Bulkhead {
  readonly #limiter: ConcurrencyLimiter;
  readonly #queue: DeadlineQueue<Waiter> | undefined;
  readonly #shedder: LoadShedder | undefined;
  readonly #clock: Clock;

  constructor(options: BulkheadOptions) {
    checkObject(OWNER, 'options', options);
    checkObject(OWNER, 'limiter', options.limiter);
    checkFunction(OWNER, 'limiter.tryAcquire', options.limiter.tryAcquire);
    this.#limiter = options.limiter;
    this.#clock = options.clock ?? systemClock;
    const capacity = optionalNumber(OWNER, 'queueCapacity', options.queueCapacity, 1024, {
      integer: true,
      min: 0,
      infinity: true,
    });
    this.#queue =
      capacity === 0
        ? undefined
        : new DeadlineQueue<Waiter>({
            capacity,
            clock: this.#clock,
            ...(options.order !== undefined && { order: options.order }),
            ...(options.overloadThreshold !== undefined && { overloadThreshold: options.overloadThreshold }),
            onDrop: (waiter, reason) => waiter.reject(reason),
          });
    if (options.shedder !== undefined) {
      checkObject(OWNER, 'shedder', options.shedder);
      checkFunction(OWNER, 'shedder.check', options.shedder.check);
    }
    this.#shedder = options.shedder;
  }

  get limit(): number {
    return this.#limiter.limit;
  }

  get inFlight(): number {
    return this.#limiter.inFlight;
  }

  /** Callers waiting now. */
  get queued(): number {
    return this.#queue?.length ?? 0;
  }

  /** A permit now, or once one is released; release it with the request's latency and outcome. */
  acquire(options?: AcquireOptions): Promise<Permit> {
    let permit: Permit | undefined;
    try {
      permit = this.#admitNow(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return permit !== undefined ? Promise.resolve(permit) : this.#wait(options);
  }

  /**
   * A permit at once when one is free and nobody waits; otherwise undefined (nothing is queued or
   * refused: `acquire` is the way to wait). Lets a caller on a hot path skip a promise when there
   * is room.
   */
  tryAcquire(): Permit | undefined {
    const queue = this.#queue;
    if (queue !== undefined && queue.length > 0) return undefined;
    const permit = this.#limiter.tryAcquire();
    return permit === undefined ? undefined : new BulkheadPermit(this, permit);
  }

  /**
   * Runs `fn` under a permit and releases it with the time `fn` took: outcome `success` when it
   * resolves, `dropped` when it throws one of this package's overload errors (deadline, abort,
   * shed, open circuit, full queue), `failure` otherwise.
   */
  run<T>(fn: () => T | PromiseLike<T>, options?: AcquireOptions): Promise<T> {
    let permit: Permit | undefined;
    try {
      permit = this.#admitNow(options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (permit !== undefined) return this.#runWith(permit, fn);
    return this.#wait(options).then((p) => this.#runWith(p, fn));
  }

  /** A permit at once, or undefined when the caller must wait; throws when it is refused. */
  #admitNow(options: AcquireOptions | undefined): Permit | undefined {
    const signal = options?.signal;
    const deadline = options?.deadline;
    if (signal?.aborted) throw new AbortedError(signal.reason);
    if (deadline !== undefined) {
      if (typeof deadline !== 'number' || Number.isNaN(deadline)) {
        throw new TypeError(
          `${OWNER}.acquire: "deadline" must be a number of clock milliseconds; found ${String(deadline)}`,
        );
      }
      const now = this.#clock.now();
      if (deadline <= now) throw new DeadlineExceededError(deadline, now);
    }
    const queue = this.#queue;
    // A limit that grew since the last release first goes to those already waiting.
    if (queue !== undefined && queue.length > 0) this.#pump(queue);
    if (queue === undefined || queue.length === 0) {
      const permit = this.#limiter.tryAcquire();
      if (permit !== undefined) return new BulkheadPermit(this, permit);
    }
    if (queue === undefined) throw new QueueFullError(0);
    const shed = this.#shedder?.check(queue.length, this.#limiter.limit);
    if (shed !== undefined) throw shed;
    return undefined;
  }

  #wait(options: AcquireOptions | undefined): Promise<Permit> {
    const queue = this.#queue!;
    return new Promise<Permit>((resolve, reject) => {
      try {
        queue.push({ resolve, reject }, options);
      } catch (error) {
        reject(error);
      }
    });
  }

  async #runWith<T>(permit: Permit, fn: () => T | PromiseLike<T>): Promise<T> {
    const start = this.#clock.now();
    let outcome: Outcome = 'success';
    try {
      return await fn();
    } catch (error) {
      outcome = isOverload(error) ? 'dropped' : 'failure';
      throw error;
    } finally {
      permit.release({ latencyMs: Math.max(0, this.#clock.now() - start), outcome });
    }
  }

  /** @internal a permit came back: hand free slots to waiters. */
  released(result: ReleaseResult): void {
    // The permit has already checked `result`; a malformed one only skips the shedder's sample.
    const latency = result?.latencyMs;
    if (
      this.#shedder !== undefined &&
      result?.outcome === 'success' &&
      latency >= 0 &&
      Number.isFinite(latency)
    ) {
      this.#shedder.observe(latency);
    }
    if (this.#queue !== undefined) this.#pump(this.#queue);
  }

  #pump(queue: DeadlineQueue<Waiter>): void {
    while (queue.length > 0) {
      const permit = this.#limiter.tryAcquire();
      if (permit === undefined) return;
      queue.shift()!.resolve(new BulkheadPermit(this, permit));
    }
  }
}

function isOverload(e: unknown): boolean {
  return (
    isDeadlineExceededError(e) ||
    isAbortedError(e) ||
    isLoadShedError(e) ||
    isCircuitOpenError(e) ||
    isQueueFullError(e)
  );
}

class BulkheadPermit extends OncePermit {
  constructor(
    private readonly bulkhead: Bulkhead,
    private readonly inner: Permit,
  ) {
    super();
  }

  protected settle(result: ReleaseResult): void {
    try {
      this.inner.release(result);
    } finally {
      this.bulkhead.released(result);
    }
  }
}
