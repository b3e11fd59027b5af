/**
 * One token bucket per key (client, session, tool, …) in bounded memory.
 *
 * Keys are kept in last-use order. A key unused for `idleMs` is forgotten; by default `idleMs` is
 * the time an empty bucket takes to refill, after which the bucket is full and forgetting it loses
 * nothing. Past `maxKeys`, the least recently used key is forgotten even if not idle (it then starts
 * again with a full bucket: the cap trades a little leniency for a hard memory bound).
 */
import { type Clock, systemClock } from '../clock.ts';
import { optionalNumber } from '../internal/validate.ts';
import {
  type BucketParams,
  type BucketState,
  checkBucketParams,
  checkTake,
  type TakeResult,
  take,
} from './token-bucket.ts';

export interface KeyedRateLimiterOptions {
  /** Tokens added per second to each key's bucket; finite, > 0. */
  ratePerSecond: number;
  /** Each key's bucket size; finite, ≥ 1. */
  burst: number;
  /** Most keys remembered; positive integer, default 10 000. */
  maxKeys?: number;
  /** Forget a key unused this long. Default: `burst / ratePerSecond` seconds (lossless). */
  idleMs?: number;
  clock?: Clock;
}

const OWNER = 'KeyedRateLimiter';

export class KeyedRateLimiter<K = string> {
  readonly maxKeys: number;
  readonly idleMs: number;
  readonly #params: BucketParams;
  readonly #clock: Clock;
  /** In last-use order: the first entry is the least recently used. */
  readonly #buckets = new Map<K, BucketState>();
  /** No key can be idle before this time (a lower bound: the oldest key's last use + idleMs). */
  #nextSweep = Number.POSITIVE_INFINITY;

  constructor(options: KeyedRateLimiterOptions) {
    this.#params = checkBucketParams(OWNER, options);
    this.maxKeys = optionalNumber(OWNER, 'maxKeys', options.maxKeys, 10_000, { integer: true, min: 1 });
    this.idleMs = optionalNumber(
      OWNER,
      'idleMs',
      options.idleMs,
      this.#params.burst / this.#params.ratePerMs,
      {
        min: 0,
        minExclusive: true,
        infinity: true,
      },
    );
    this.#clock = options.clock ?? systemClock;
  }

  /** Keys remembered now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes `n` tokens (default 1) from `key`'s bucket, or says when `n` will be there. */
  tryTake(key: K, n = 1): TakeResult {
    if (n !== 1) checkTake(OWNER, n, this.#params.burst);
    const now = this.#clock.now();
    const buckets = this.#buckets;
    if (now >= this.#nextSweep) this.#forgetIdle(now);
    let state = buckets.get(key);
    if (state === undefined) {
      if (buckets.size >= this.maxKeys) {
        const oldest = buckets.keys().next();
        if (!oldest.done) buckets.delete(oldest.value);
      }
      state = { tokens: this.#params.burst, updatedAt: now };
      if (buckets.size === 0) this.#nextSweep = now + this.idleMs;
    } else {
      buckets.delete(key);
    }
    buckets.set(key, state);
    return take(state, this.#params, n, now);
  }

  /** Forgets `key` (its next take starts from a full bucket). */
  delete(key: K): boolean {
    return this.#buckets.delete(key);
  }

  clear(): void {
    this.#buckets.clear();
    this.#nextSweep = Number.POSITIVE_INFINITY;
  }

  /**
   * Drops idle keys from the least recently used end; each key is dropped once, so O(1) amortized.
   * Runs only once the oldest key may have gone idle.
   */
  #forgetIdle(now: number): void {
    const cutoff = now - this.idleMs;
    this.#nextSweep = Number.POSITIVE_INFINITY;
    for (const [key, state] of this.#buckets) {
      if (state.updatedAt > cutoff) {
        // The least recently used key left goes idle first; nothing can before then.
        this.#nextSweep = state.updatedAt + this.idleMs;
        break;
      }
      this.#buckets.delete(key);
    }
  }
}
