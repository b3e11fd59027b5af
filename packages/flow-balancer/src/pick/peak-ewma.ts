/**
 * A peak-sensitive, time-decayed moving average of latency (Finagle / Linkerd "peak EWMA"). A
 * latency above the current value replaces it at once (the peak); one below pulls it down with
 * weight `1 − e^(−Δt / decayMs)`, Δt being the time since the last update. While nothing is
 * observed the value decays toward 0, so an idle candidate looks cheap again and is re-tried.
 */
import { type Clock, systemClock } from '../clock.ts';
import { checkNumber, optionalNumber } from '../internal/validate.ts';

export interface PeakEwmaOptions {
  /** The decay time constant; finite, > 0. Default 10 000 ms. */
  decayMs?: number;
  /** The value before any observation; finite, ≥ 0. Default 0. */
  initialMs?: number;
  clock?: Clock;
}

const OWNER = 'PeakEwma';

export class PeakEwma {
  readonly decayMs: number;
  readonly #clock: Clock;
  #estimate: number;
  #updatedAt: number;

  constructor(options: PeakEwmaOptions = {}) {
    this.decayMs = optionalNumber(OWNER, 'decayMs', options.decayMs, 10_000, { min: 0, minExclusive: true });
    this.#estimate = optionalNumber(OWNER, 'initialMs', options.initialMs, 0, { min: 0 });
    this.#clock = options.clock ?? systemClock;
    this.#updatedAt = this.#clock.now();
  }

  /** The current estimate, decayed for the time since the last observation. */
  get value(): number {
    const elapsed = this.#clock.now() - this.#updatedAt;
    return elapsed > 0 ? this.#estimate * Math.exp(-elapsed / this.decayMs) : this.#estimate;
  }

  observe(latencyMs: number): void {
    checkNumber(`${OWNER}.observe`, 'latencyMs', latencyMs, { min: 0 });
    const now = this.#clock.now();
    const elapsed = now - this.#updatedAt;
    const decay = elapsed > 0 ? Math.exp(-elapsed / this.decayMs) : 1;
    const current = this.#estimate * decay;
    this.#estimate = latencyMs > current ? latencyMs : current + latencyMs * (1 - decay);
    this.#updatedAt = now;
  }
}
