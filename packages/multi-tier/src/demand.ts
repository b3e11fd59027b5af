/**
 * What the manager knows about one backend's demand, as numbers over time (no clock of its own:
 * every call is given `now`, so it is tested with plain numbers or a FakeClock):
 *
 * - the arrival rate, an exponentially weighted moving average with time constant `windowMs`
 *   (each use adds 1 to a score that decays by e^(-Δt/window); rate = score / window), which
 *   falls on its own when uses stop;
 * - the mean time between uses (EWMA of the gaps) and the time of the last use;
 * - the start cost: EWMA of observed spawn → ready times, or a prior until one is observed.
 */

/** The demand figures behind an auto decision or an eviction. */
export interface DemandFigures {
  /** Arrivals per second (EWMA). */
  ratePerSec: number;
  /** Mean time between uses, ms (EWMA); Infinity before two uses. */
  meanGapMs: number;
  /** Time since the last use, ms; Infinity before any. */
  idleMs: number;
  /** Start cost measured (EWMA of spawn → ready), or the prior, ms. */
  startCostMs: number;
  /** Waiting a resident worker saves callers: ratePerSec × startCostMs, ms per second. */
  valueMsPerSec: number;
  /** Chance of a use within the backend's idle TTL. */
  useWithinTtl: number;
  memoryMb: number;
}

const GAP_WEIGHT = 0.2;
const COST_WEIGHT = 0.3;

export class Demand {
  readonly #windowMs: number;
  readonly #startCostPriorMs: number;
  #score = 0;
  #scoreAt = 0;
  #lastUseAt = Number.NEGATIVE_INFINITY;
  #meanGapMs = Number.POSITIVE_INFINITY;
  #startCostMs: number | undefined;

  constructor(windowMs: number, startCostPriorMs: number) {
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be > 0, got ${windowMs}`);
    this.#windowMs = windowMs;
    this.#startCostPriorMs = startCostPriorMs;
  }

  /** A caller needed the backend at `now`. */
  arrival(now: number): void {
    this.#score = this.#decayed(now) + 1;
    this.#scoreAt = now;
    if (Number.isFinite(this.#lastUseAt)) {
      const gap = Math.max(0, now - this.#lastUseAt);
      this.#meanGapMs = Number.isFinite(this.#meanGapMs)
        ? this.#meanGapMs + GAP_WEIGHT * (gap - this.#meanGapMs)
        : gap;
    }
    this.#lastUseAt = now;
  }

  /** A worker of the backend took `ms` from spawn to ready. */
  observeStart(ms: number): void {
    if (!(ms >= 0)) return;
    this.#startCostMs =
      this.#startCostMs === undefined ? ms : this.#startCostMs + COST_WEIGHT * (ms - this.#startCostMs);
  }

  get lastUseAt(): number {
    return this.#lastUseAt;
  }

  get startCostMs(): number {
    return this.#startCostMs ?? this.#startCostPriorMs;
  }

  /** Arrivals per second at `now`. */
  ratePerSec(now: number): number {
    return (this.#decayed(now) / this.#windowMs) * 1000;
  }

  /** The figures the auto policy and the eviction order read. */
  figures(now: number, idleTtlMs: number, memoryMb: number): DemandFigures {
    const ratePerSec = this.ratePerSec(now);
    const startCostMs = this.startCostMs;
    return {
      ratePerSec,
      meanGapMs: this.#meanGapMs,
      idleMs: now - this.#lastUseAt,
      startCostMs,
      valueMsPerSec: ratePerSec * startCostMs,
      // Arrivals as a Poisson process at the current rate: P(at least one within the TTL).
      useWithinTtl: 1 - Math.exp(-(ratePerSec / 1000) * idleTtlMs),
      memoryMb,
    };
  }

  #decayed(now: number): number {
    const dt = now - this.#scoreAt;
    return dt <= 0 ? this.#score : this.#score * Math.exp(-dt / this.#windowMs);
  }
}
