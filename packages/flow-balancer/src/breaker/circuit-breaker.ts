/**
 * A circuit breaker: `closed` lets every call through and feeds its strategy; when the strategy
 * trips, the breaker is `open` and refuses calls until `until`; then `half-open` lets up to
 * `halfOpenProbes` calls through at once — that many successes close it, one failure opens it
 * again. Each consecutive opening lasts longer: `min(maxOpenMs, openMs × ejections)`.
 *
 * A call holds a `Permit` (the same contract as the concurrency limiters'): `release` with
 * `outcome: 'success' | 'failure'` is counted; `'dropped'` (given up for reasons of load) is not,
 * but frees a half-open probe slot. A permit granted before a state change does not count after it.
 */
import { type Clock, systemClock } from '../clock.ts';
import { checkReleaseResult, OncePermit, type Permit, type ReleaseResult } from '../concurrency/limiter.ts';
import { CircuitOpenError } from '../errors.ts';
import { checkFunction, checkObject, optionalNumber } from '../internal/validate.ts';
import type { BreakerStrategy } from './strategy.ts';

export type BreakerState =
  | { readonly kind: 'closed' }
  | { readonly kind: 'open'; readonly until: number; readonly ejections: number }
  | { readonly kind: 'half-open' };

export interface CircuitBreakerOptions {
  /** When to open, e.g. `new ConsecutiveFailures(5)` or `new FailureRate({ … })`. */
  strategy: BreakerStrategy;
  /** How long the first opening lasts; finite, > 0. Default 10 000 ms. */
  openMs?: number;
  /** The longest an opening lasts; ≥ openMs. Default max(openMs, 300 000 ms). */
  maxOpenMs?: number;
  /** Calls let through at once while half-open, and successes needed to close. Default 1. */
  halfOpenProbes?: number;
  clock?: Clock;
  /** Told each transition, after it happens. */
  onStateChange?: (state: BreakerState) => void;
}

const OWNER = 'CircuitBreaker';
const CLOSED: BreakerState = Object.freeze({ kind: 'closed' });
const HALF_OPEN: BreakerState = Object.freeze({ kind: 'half-open' });

export class CircuitBreaker {
  readonly openMs: number;
  readonly maxOpenMs: number;
  readonly halfOpenProbes: number;
  readonly #strategy: BreakerStrategy;
  readonly #clock: Clock;
  readonly #onStateChange: ((state: BreakerState) => void) | undefined;
  #state: BreakerState = CLOSED;
  /** Consecutive openings; survives half-open, reset on close. */
  #ejections = 0;
  /** Increases with each transition; a permit of an older generation is not counted. */
  #generation = 0;
  #probesInFlight = 0;
  #probeSuccesses = 0;

  constructor(options: CircuitBreakerOptions) {
    checkObject(OWNER, 'options', options);
    checkObject(OWNER, 'strategy', options.strategy);
    for (const m of ['success', 'failure', 'reset'] as const) {
      checkFunction(OWNER, `strategy.${m}`, options.strategy[m]);
    }
    this.#strategy = options.strategy;
    this.openMs = optionalNumber(OWNER, 'openMs', options.openMs, 10_000, { min: 0, minExclusive: true });
    this.maxOpenMs = optionalNumber(OWNER, 'maxOpenMs', options.maxOpenMs, Math.max(this.openMs, 300_000), {
      min: this.openMs,
    });
    this.halfOpenProbes = optionalNumber(OWNER, 'halfOpenProbes', options.halfOpenProbes, 1, {
      integer: true,
      min: 1,
    });
    this.#clock = options.clock ?? systemClock;
    if (options.onStateChange !== undefined) checkFunction(OWNER, 'onStateChange', options.onStateChange);
    this.#onStateChange = options.onStateChange;
  }

  /** The state now (an `open` breaker whose time is up reads as `half-open`). */
  get state(): BreakerState {
    const s = this.#state;
    if (s.kind === 'open' && this.#clock.now() >= s.until) this.#transition(HALF_OPEN);
    return this.#state;
  }

  /** A permit, or undefined while open (or half-open with every probe slot taken). */
  tryAcquire(): Permit | undefined {
    const s = this.state;
    if (s.kind === 'closed') return new BreakerPermit(this, this.#generation, false);
    if (s.kind === 'open') return undefined;
    if (this.#probesInFlight + this.#probeSuccesses >= this.halfOpenProbes) return undefined;
    this.#probesInFlight++;
    return new BreakerPermit(this, this.#generation, true);
  }

  /**
   * A permit, or throws `CircuitOpenError`: while open, `retryAfterMs` is the time left; while
   * half-open with every probe slot taken, it is `openMs`.
   */
  acquire(): Permit {
    const permit = this.tryAcquire();
    if (permit !== undefined) return permit;
    const s = this.#state;
    const retryAfterMs =
      s.kind === 'open' ? Math.max(1, Math.ceil(s.until - this.#clock.now())) : this.openMs;
    throw new CircuitOpenError(retryAfterMs);
  }

  /**
   * The outcome of a call made without a permit (a caller that admits calls elsewhere and only
   * reports how they ended): counted while closed, ignored while open or half-open (only permits —
   * probes — decide those). Costs no allocation.
   */
  record(result: ReleaseResult): void {
    if (this.state.kind !== 'closed') {
      checkReleaseResult(OWNER, result);
      return;
    }
    this.settle(this.#generation, false, result);
  }

  /** Opens the breaker now, as if its strategy had tripped. */
  trip(): void {
    this.#open();
  }

  /** Closes the breaker now and forgets its history. */
  reset(): void {
    this.#ejections = 0;
    this.#strategy.reset();
    if (this.#state.kind !== 'closed') this.#transition(CLOSED);
  }

  /** @internal */
  settle(generation: number, probe: boolean, result: ReleaseResult): void {
    if (probe && generation === this.#generation) this.#probesInFlight--;
    checkReleaseResult(OWNER, result);
    if (generation !== this.#generation || result.outcome === 'dropped') return;
    const now = this.#clock.now();
    if (this.#state.kind === 'closed') {
      if (result.outcome === 'success') this.#strategy.success(now);
      else if (this.#strategy.failure(now)) this.#open();
      return;
    }
    // half-open (a permit of this generation cannot be released while open)
    if (result.outcome === 'failure') {
      this.#open();
    } else if (++this.#probeSuccesses >= this.halfOpenProbes) {
      this.reset();
    }
  }

  #open(): void {
    this.#ejections++;
    const ms = Math.min(this.maxOpenMs, this.openMs * this.#ejections);
    this.#strategy.reset();
    this.#transition({ kind: 'open', until: this.#clock.now() + ms, ejections: this.#ejections });
  }

  #transition(state: BreakerState): void {
    this.#state = state;
    this.#generation++;
    this.#probesInFlight = 0;
    this.#probeSuccesses = 0;
    this.#onStateChange?.(state);
  }
}

class BreakerPermit extends OncePermit {
  constructor(
    private readonly breaker: CircuitBreaker,
    private readonly generation: number,
    private readonly probe: boolean,
  ) {
    super();
  }

  protected settle(result: ReleaseResult): void {
    this.breaker.settle(this.generation, this.probe, result);
  }
}
