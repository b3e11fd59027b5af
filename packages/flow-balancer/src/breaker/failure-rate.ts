/**
 * Trips when, over the last `windowMs`, at least `minimumRequests` calls were seen and the share
 * that failed is at least `threshold`. The window slides in `buckets` steps: memory and the cost of
 * a check are O(buckets), whatever the traffic.
 */
import { checkNumber, optionalNumber } from '../internal/validate.ts';
import type { BreakerStrategy } from './strategy.ts';

export interface FailureRateOptions {
  /** Failure share that trips, in (0, 1]. */
  threshold: number;
  /** Calls in the window before the rate counts; positive integer. */
  minimumRequests: number;
  /** The window's length; finite, > 0. */
  windowMs: number;
  /** Steps the window slides in; integer in [1, 1000]. Default 10. */
  buckets?: number;
}

const OWNER = 'FailureRate';

export class FailureRate implements BreakerStrategy {
  readonly threshold: number;
  readonly minimumRequests: number;
  readonly windowMs: number;
  readonly #bucketMs: number;
  /** Per bucket: which bucket index (time ÷ bucketMs) it holds, and its counts. */
  readonly #epoch: Float64Array;
  readonly #successes: Float64Array;
  readonly #failures: Float64Array;

  constructor(options: FailureRateOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(
        `${OWNER}: options must be an object with "threshold", "minimumRequests", "windowMs"`,
      );
    }
    this.threshold = checkNumber(OWNER, 'threshold', options.threshold, {
      min: 0,
      minExclusive: true,
      max: 1,
    });
    this.minimumRequests = checkNumber(OWNER, 'minimumRequests', options.minimumRequests, {
      integer: true,
      min: 1,
    });
    this.windowMs = checkNumber(OWNER, 'windowMs', options.windowMs, { min: 0, minExclusive: true });
    const buckets = optionalNumber(OWNER, 'buckets', options.buckets, 10, {
      integer: true,
      min: 1,
      max: 1000,
    });
    this.#bucketMs = this.windowMs / buckets;
    this.#epoch = new Float64Array(buckets).fill(Number.NEGATIVE_INFINITY);
    this.#successes = new Float64Array(buckets);
    this.#failures = new Float64Array(buckets);
  }

  success(now: number): void {
    this.#successes[this.#slot(now)]!++;
  }

  failure(now: number): boolean {
    this.#failures[this.#slot(now)]!++;
    const current = Math.floor(now / this.#bucketMs);
    const n = this.#epoch.length;
    let successes = 0;
    let failures = 0;
    for (let i = 0; i < n; i++) {
      if (this.#epoch[i]! > current - n) {
        successes += this.#successes[i]!;
        failures += this.#failures[i]!;
      }
    }
    const total = successes + failures;
    return total >= this.minimumRequests && failures / total >= this.threshold;
  }

  reset(): void {
    this.#epoch.fill(Number.NEGATIVE_INFINITY);
    this.#successes.fill(0);
    this.#failures.fill(0);
  }

  #slot(now: number): number {
    const index = Math.floor(now / this.#bucketMs);
    const n = this.#epoch.length;
    const slot = ((index % n) + n) % n;
    if (this.#epoch[slot] !== index) {
      this.#epoch[slot] = index;
      this.#successes[slot] = 0;
      this.#failures[slot] = 0;
    }
    return slot;
  }
}
