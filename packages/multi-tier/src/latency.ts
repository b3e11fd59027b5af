/**
 * Start latencies of one backend: count, min, max and mean over all starts, and percentiles over
 * the most recent `capacity` (a ring of samples, sorted on read — starts are rare, reads rarer).
 */
import type { HistogramSnapshot } from '@switchyard/worker-pool';

/** Count, min, max, mean and p50/p90/p99 in ms: the shape of worker-pool's histograms. */
export type LatencySnapshot = HistogramSnapshot;

export class LatencyRecorder {
  readonly #ring: Float64Array;
  #next = 0;
  #count = 0;
  #sum = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = 0;

  constructor(capacity = 1024) {
    this.#ring = new Float64Array(capacity);
  }

  record(ms: number): void {
    if (!(ms >= 0)) return;
    this.#ring[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#ring.length;
    this.#count++;
    this.#sum += ms;
    this.#min = Math.min(this.#min, ms);
    this.#max = Math.max(this.#max, ms);
  }

  snapshot(): LatencySnapshot {
    const kept = this.#ring.slice(0, Math.min(this.#count, this.#ring.length)).sort();
    const at = (q: number): number =>
      kept.length === 0 ? 0 : kept[Math.min(kept.length - 1, Math.ceil(q * kept.length) - 1)]!;
    return {
      count: this.#count,
      min: this.#count ? this.#min : 0,
      max: this.#max,
      mean: this.#count ? this.#sum / this.#count : 0,
      p50: at(0.5),
      p90: at(0.9),
      p99: at(0.99),
    };
  }
}
