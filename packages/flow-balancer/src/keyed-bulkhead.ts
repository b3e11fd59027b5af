/**
 * A `Bulkhead` per key (principal, client, tenant, …): each key gets its own fair share of
 * concurrency and its own waiting room, in memory bounded by the work held, not by the keys ever
 * seen. A key's bulkhead is made on its first `acquire` and forgotten the moment it has nothing
 * running and nothing waiting; made again later it starts empty, which loses nothing (an idle
 * fixed-limit bulkhead has no state).
 *
 * Each key's limit is `limits.get(key)` when the map names it, else `limit` (a number for every
 * key, or a function of the key), read when the key's bulkhead is made. Waiting ends as in
 * `Bulkhead`: `QueueFullError`, `DeadlineExceededError` or `AbortedError`, never a hang.
 */
import { type AcquireOptions, Bulkhead } from './bulkhead.ts';
import { type Clock, systemClock } from './clock.ts';
import { FixedLimiter } from './concurrency/fixed-limiter.ts';
import { OncePermit, type Permit, type ReleaseResult } from './concurrency/limiter.ts';
import { checkFunction, checkNumber, checkObject } from './internal/validate.ts';
import type { QueueOrder } from './queue/deadline-queue.ts';

export interface KeyedBulkheadOptions<K> {
  /** Each key's permits at once: a positive integer for every key, or a function of the key. */
  limit: number | ((key: K) => number);
  /** Keys whose limit differs from `limit`. */
  limits?: ReadonlyMap<K, number>;
  /**
   * Each key's most waiters: a number (0 = no waiting; Infinity allowed) or a function of the key
   * and its limit. Default: the key's limit (as many waiting as running).
   */
  queueCapacity?: number | ((key: K, limit: number) => number);
  /** Each key's queue order; default `'fifo'`. */
  order?: QueueOrder;
  clock?: Clock;
}

/** One key's figures (an idle key: its limit, nothing held). */
export interface KeyStats {
  limit: number;
  inFlight: number;
  queued: number;
}

/** All keys together. */
export interface KeyedBulkheadStats {
  /** Keys with work running or waiting (the only ones remembered). */
  keys: number;
  inFlight: number;
  queued: number;
}

const OWNER = 'KeyedBulkhead';

export class KeyedBulkhead<K = string> {
  readonly #limit: (key: K) => number;
  readonly #limits: ReadonlyMap<K, number> | undefined;
  readonly #queueCapacity: (key: K, limit: number) => number;
  readonly #order: QueueOrder | undefined;
  readonly #clock: Clock;
  /** Only keys with a permit held or a caller waiting (after the microtask that settles a drop). */
  readonly #bulkheads = new Map<K, Bulkhead>();

  constructor(options: KeyedBulkheadOptions<K>) {
    checkObject(OWNER, 'options', options);
    const { limit, limits, queueCapacity } = options;
    if (typeof limit === 'function') this.#limit = limit;
    else {
      const fixed = checkNumber(OWNER, 'limit', limit, { integer: true, min: 1 });
      this.#limit = () => fixed;
    }
    if (limits !== undefined) {
      checkObject(OWNER, 'limits', limits);
      checkFunction(OWNER, 'limits.get', limits.get);
      for (const [key, value] of limits) {
        checkNumber(OWNER, `limits[${String(key)}]`, value, { integer: true, min: 1 });
      }
    }
    this.#limits = limits;
    if (queueCapacity === undefined) this.#queueCapacity = (_key, keyLimit) => keyLimit;
    else if (typeof queueCapacity === 'function') this.#queueCapacity = queueCapacity;
    else {
      const fixed = checkNumber(OWNER, 'queueCapacity', queueCapacity, {
        integer: true,
        min: 0,
        infinity: true,
      });
      this.#queueCapacity = () => fixed;
    }
    this.#order = options.order;
    this.#clock = options.clock ?? systemClock;
  }

  /** Keys remembered now: those with work running or waiting. */
  get size(): number {
    return this.#bulkheads.size;
  }

  /** `key`'s limit (whether or not it holds work now). */
  limitOf(key: K): number {
    const own = this.#limits?.get(key);
    if (own !== undefined) return own;
    return checkNumber(OWNER, `limit(${String(key)})`, this.#limit(key), { integer: true, min: 1 });
  }

  /** `key`'s figures now. */
  statsOf(key: K): KeyStats {
    const bulkhead = this.#bulkheads.get(key);
    return bulkhead === undefined
      ? { limit: this.limitOf(key), inFlight: 0, queued: 0 }
      : { limit: bulkhead.limit, inFlight: bulkhead.inFlight, queued: bulkhead.queued };
  }

  /** Every key's figures summed; O(keys held). */
  stats(): KeyedBulkheadStats {
    let inFlight = 0;
    let queued = 0;
    for (const bulkhead of this.#bulkheads.values()) {
      inFlight += bulkhead.inFlight;
      queued += bulkhead.queued;
    }
    return { keys: this.#bulkheads.size, inFlight, queued };
  }

  /** The keys held now, with their figures. */
  *entries(): IterableIterator<[K, KeyStats]> {
    for (const [key, b] of this.#bulkheads) {
      yield [key, { limit: b.limit, inFlight: b.inFlight, queued: b.queued }];
    }
  }

  /**
   * A permit of `key`'s share at once when it has room and nobody of its own waits; otherwise
   * undefined (nothing queued or refused: `acquire` is the way to wait). See `Bulkhead.tryAcquire`.
   */
  tryAcquire(key: K): Permit | undefined {
    const bulkhead = this.#bulkheadOf(key);
    const permit = bulkhead.tryAcquire();
    if (permit === undefined) {
      this.forgetIfIdle(key, bulkhead);
      return undefined;
    }
    return new KeyedPermit(this, key, bulkhead, permit);
  }

  /** A permit of `key`'s share now, or once one of its permits is released; see `Bulkhead.acquire`. */
  acquire(key: K, options?: AcquireOptions): Promise<Permit> {
    let bulkhead: Bulkhead;
    try {
      bulkhead = this.#bulkheadOf(key);
    } catch (error) {
      return Promise.reject(error);
    }
    return bulkhead.acquire(options).then(
      (permit) => new KeyedPermit(this, key, bulkhead, permit),
      (error: unknown) => {
        this.forgetIfIdle(key, bulkhead);
        throw error;
      },
    );
  }

  /** Runs `fn` under a permit of `key`'s share; outcomes as `Bulkhead.run`. */
  run<T>(key: K, fn: () => T | PromiseLike<T>, options?: AcquireOptions): Promise<T> {
    let bulkhead: Bulkhead;
    try {
      bulkhead = this.#bulkheadOf(key);
    } catch (error) {
      return Promise.reject(error);
    }
    return bulkhead.run(fn, options).finally(() => this.forgetIfIdle(key, bulkhead));
  }

  #bulkheadOf(key: K): Bulkhead {
    let bulkhead = this.#bulkheads.get(key);
    if (bulkhead === undefined) {
      const limit = this.limitOf(key);
      const queueCapacity = checkNumber(
        OWNER,
        `queueCapacity(${String(key)})`,
        this.#queueCapacity(key, limit),
        { integer: true, min: 0, infinity: true },
      );
      bulkhead = new Bulkhead({
        limiter: new FixedLimiter({ limit }),
        queueCapacity,
        clock: this.#clock,
        ...(this.#order !== undefined && { order: this.#order }),
      });
      this.#bulkheads.set(key, bulkhead);
    }
    return bulkhead;
  }

  /** @internal forgets `key` if `bulkhead` is still its own and holds nothing. */
  forgetIfIdle(key: K, bulkhead: Bulkhead): void {
    if (bulkhead.inFlight === 0 && bulkhead.queued === 0 && this.#bulkheads.get(key) === bulkhead) {
      this.#bulkheads.delete(key);
    }
  }
}

/** The key's permit: released, it hands the slot on (the key's own waiters first), then lets go. */
class KeyedPermit<K> extends OncePermit {
  constructor(
    private readonly owner: KeyedBulkhead<K>,
    private readonly key: K,
    private readonly bulkhead: Bulkhead,
    private readonly inner: Permit,
  ) {
    super();
  }

  protected settle(result: ReleaseResult): void {
    try {
      this.inner.release(result);
    } finally {
      this.owner.forgetIfIdle(this.key, this.bulkhead);
    }
  }
}
