/**
 * A small log-bucketed histogram of durations in milliseconds: O(1) record, ~4.4 % relative
 * precision (16 buckets per doubling), from 1 µs to about 12 days. Percentiles are read from the
 * buckets (the bucket's upper edge, clamped to the largest value seen).
 */

const STEPS_PER_DOUBLING = 16;
const MAX_DOUBLINGS = 40; // 2^40 µs ≈ 12.7 days
const BUCKETS = STEPS_PER_DOUBLING * MAX_DOUBLINGS;

export interface HistogramSnapshot {
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
}

export class Histogram {
  readonly #counts = new Uint32Array(BUCKETS);
  #count = 0;
  #sum = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = 0;

  record(ms: number): void {
    if (!(ms >= 0)) return;
    const us = ms * 1000;
    const i = us <= 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log2(us) * STEPS_PER_DOUBLING));
    this.#counts[i]!++;
    this.#count++;
    this.#sum += ms;
    if (ms < this.#min) this.#min = ms;
    if (ms > this.#max) this.#max = ms;
  }

  get count(): number {
    return this.#count;
  }

  /** The value at quantile `q` (0…1), in ms; 0 when empty. */
  quantile(q: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) {
        if (i === BUCKETS - 1) return this.#max;
        const upper = 2 ** (i / STEPS_PER_DOUBLING) / 1000;
        return Math.min(Math.max(upper, this.#min), this.#max);
      }
    }
    return this.#max;
  }

  snapshot(): HistogramSnapshot {
    return {
      count: this.#count,
      min: this.#count ? this.#min : 0,
      max: this.#max,
      mean: this.#count ? this.#sum / this.#count : 0,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
    };
  }

  reset(): void {
    this.#counts.fill(0);
    this.#count = 0;
    this.#sum = 0;
    this.#min = Number.POSITIVE_INFINITY;
    this.#max = 0;
  }
}
