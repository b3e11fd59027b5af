/** Trips after `threshold` failures in a row; any success starts the count again. */
import { checkNumber } from '../internal/validate.ts';
import type { BreakerStrategy } from './strategy.ts';

export class ConsecutiveFailures implements BreakerStrategy {
  readonly threshold: number;
  #count = 0;

  constructor(threshold: number) {
    this.threshold = checkNumber('ConsecutiveFailures', 'threshold', threshold, { integer: true, min: 1 });
  }

  success(): void {
    this.#count = 0;
  }

  failure(): boolean {
    this.#count++;
    return this.#count >= this.threshold;
  }

  reset(): void {
    this.#count = 0;
  }
}
