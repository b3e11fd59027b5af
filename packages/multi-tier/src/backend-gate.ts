/**
 * A backend's admission: the one gate a call passes at the backend level. At most `limit` calls
 * hold a place (`concurrency` per worker × `replicas.max`), at most `capacity` wait for one in
 * arrival order, bounded by the acquire's deadline and signal; a call beyond is refused at once
 * with `BackendOverloadedError`. A place is held by the call's lease and given back at its release,
 * straight to the next waiter.
 *
 * Only acquires made with `admit` pass it (a call); the handshake's and list fetches' acquires, and
 * long-lived listens, do not. Room now costs a counter, no object: the hot path's common case.
 */
import { type CancelSignal, type Clock, DeadlineQueue, isAbortedError } from '@switchyard/flow-balancer';
import { AcquireAbortedError, AcquireTimeoutError, BackendOverloadedError } from './errors.ts';

/** What `acquire` adds for a call (see `MultiTierPoolManager.acquireNow`). */
export interface AdmitOptions {
  /**
   * A call: it takes a place in the backend's admission (`concurrency` × `replicas.max` in flight,
   * `queue` waiting) before a worker is chosen, held by its lease until release; refused with
   * BackendOverloadedError when none is free and the queue is full. Default false.
   */
  admit?: boolean;
  /**
   * A call admitted on `continues` (its worker died; it goes on on another): the new lease takes
   * over that lease's place instead of asking for one.
   */
  continues?: HoldsPlace;
}

/** What holds a call's place (a `Lease`): it can hand the place on. */
export interface HoldsPlace {
  takePlace(): BackendGate | undefined;
}

/** A backend's admission figures (metrics, the dashboard). */
export interface BackendAdmission {
  readonly limit: number;
  readonly inFlight: number;
  readonly queued: number;
}

interface Waiter {
  readonly since: number;
  resolve(): void;
  reject(error: Error): void;
}

export class BackendGate implements BackendAdmission {
  readonly #backend: string;
  readonly #clock: Clock;
  readonly #queue: DeadlineQueue<Waiter> | undefined;
  readonly limit: number;
  /** Most calls waiting. */
  readonly capacity: number;
  #inFlight = 0;

  constructor(backend: string, limit: number, capacity: number, clock: Clock) {
    this.#backend = backend;
    this.#clock = clock;
    this.limit = limit;
    this.capacity = capacity;
    this.#queue =
      capacity === 0
        ? undefined
        : new DeadlineQueue<Waiter>({
            capacity,
            clock,
            onDrop: (waiter, reason) =>
              waiter.reject(
                isAbortedError(reason)
                  ? new AcquireAbortedError(backend, reason.cause ?? reason)
                  : new AcquireTimeoutError(backend, clock.now() - waiter.since),
              ),
          });
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get queued(): number {
    return this.#queue?.length ?? 0;
  }

  /** A place now, when one is free and nobody waits for one: true (held until `leave`). */
  tryEnter(): boolean {
    if (this.#inFlight >= this.limit || (this.#queue !== undefined && this.#queue.length > 0)) return false;
    this.#inFlight++;
    return true;
  }

  /**
   * A place once one is free, waiting in line up to `deadline` (on the clock) or `signal`:
   * AcquireTimeoutError / AcquireAbortedError then; BackendOverloadedError at once when the line is
   * full. Call after `tryEnter` said no.
   */
  enter(signal: CancelSignal | undefined, deadline: number | undefined): Promise<void> {
    const queue = this.#queue;
    if (queue === undefined || queue.length >= this.capacity) {
      return Promise.reject(new BackendOverloadedError(this.#backend, this.limit, this.capacity));
    }
    const since = this.#clock.now();
    return new Promise<void>((resolve, reject) => {
      queue.push(
        { since, resolve, reject },
        {
          ...(signal !== undefined && { signal }),
          ...(deadline !== undefined && deadline !== Number.POSITIVE_INFINITY && { deadline }),
        },
      );
    });
  }

  /** A place given back: to the first waiter, else free. */
  leave(): void {
    const next = this.#queue?.shift();
    if (next) next.resolve();
    else this.#inFlight--;
  }

  /** The backend is going: every waiter is refused with `error`. */
  close(error: () => Error): void {
    for (const waiter of this.#queue?.drain() ?? []) waiter.reject(error());
  }
}
