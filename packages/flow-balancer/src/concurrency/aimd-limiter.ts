/**
 * Additive increase, multiplicative decrease (as Netflix's concurrency-limits `AIMDLimit`): each
 * success grows the limit by `increase` while the limit is actually used (the request saw at least
 * half the limit in flight); each drop — or success slower than `latencyThresholdMs` — multiplies
 * it by `backoffRatio`. Failures (`outcome: 'failure'`) are not load signals and are ignored.
 */
import { checkNumber, optionalNumber } from '../internal/validate.ts';
import { checkLimitRange, type LimitRangeOptions } from './limit-range.ts';
import { BaseLimiter, type ReleaseResult } from './limiter.ts';

export interface AimdLimiterOptions extends LimitRangeOptions {
  /** Factor applied on a drop, in (0, 1). Default 0.9. */
  backoffRatio?: number;
  /** Added on a success that used the limit. Positive integer, default 1. */
  increase?: number;
  /** A success slower than this counts as a drop. Default Infinity (never). */
  latencyThresholdMs?: number;
}

const OWNER = 'AimdLimiter';

export class AimdLimiter extends BaseLimiter {
  protected readonly owner = OWNER;
  #limit: number;
  readonly #min: number;
  readonly #max: number;
  readonly #backoff: number;
  readonly #increase: number;
  readonly #threshold: number;

  constructor(options: AimdLimiterOptions = {}) {
    super();
    const range = checkLimitRange(OWNER, options);
    this.#limit = range.initial;
    this.#min = range.min;
    this.#max = range.max;
    this.#backoff = optionalNumber(OWNER, 'backoffRatio', options.backoffRatio, 0.9, {
      min: 0,
      minExclusive: true,
      max: 1,
      maxExclusive: true,
    });
    this.#increase = optionalNumber(OWNER, 'increase', options.increase, 1, { integer: true, min: 1 });
    this.#threshold =
      options.latencyThresholdMs === undefined
        ? Number.POSITIVE_INFINITY
        : checkNumber(OWNER, 'latencyThresholdMs', options.latencyThresholdMs, {
            min: 0,
            minExclusive: true,
            infinity: true,
          });
  }

  get limit(): number {
    return this.#limit;
  }

  protected sample(result: ReleaseResult, inFlightAtAcquire: number): void {
    if (result.outcome === 'failure') return;
    if (result.outcome === 'dropped' || result.latencyMs > this.#threshold) {
      this.#limit = Math.max(this.#min, Math.floor(this.#limit * this.#backoff));
    } else if (inFlightAtAcquire * 2 >= this.#limit) {
      this.#limit = Math.min(this.#max, this.#limit + this.#increase);
    }
  }
}
