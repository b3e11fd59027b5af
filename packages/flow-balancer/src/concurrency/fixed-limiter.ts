/** A constant concurrency limit: at most `limit` permits at once. */
import { checkNumber } from '../internal/validate.ts';
import { BaseLimiter, type ReleaseResult } from './limiter.ts';

export interface FixedLimiterOptions {
  /** A positive integer. */
  limit: number;
}

export class FixedLimiter extends BaseLimiter {
  protected readonly owner = 'FixedLimiter';
  readonly #limit: number;

  constructor(options: FixedLimiterOptions) {
    super();
    this.#limit = checkNumber('FixedLimiter', 'limit', options?.limit, { integer: true, min: 1 });
  }

  get limit(): number {
    return this.#limit;
  }

  protected sample(_result: ReleaseResult): void {}
}
