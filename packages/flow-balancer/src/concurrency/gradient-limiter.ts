/**
 * A latency-gradient limit, after Netflix's Gradient2 and Envoy's adaptive concurrency filter.
 *
 * - **Baseline (min RTT).** Every `probeIntervalMs` (± jitter), and once at start, the limit is
 *   pinned to `probeLimit` until `probeSamples` requests granted during the probe have completed;
 *   their median latency is the baseline: how fast the service answers when it is not queueing.
 * - **Gradient.** After each later success, `gradient = clamp(tolerance × baseline / latency, ½, 1)`
 *   and `limit ← limit × (1 − smoothing) + (limit × gradient + headroom(limit)) × smoothing`. While
 *   latency stays within `tolerance` of the baseline the gradient is 1 and the limit grows by
 *   `headroom` (√limit by default); when latency rises the gradient falls and the limit shrinks.
 *   A drop counts as the smallest gradient. Failures are ignored.
 * - **App-limited.** A sample whose request saw less than half the limit in flight says nothing
 *   about the limit and is skipped, so an idle service's limit does not drift.
 */
import { type Clock, systemClock } from '../clock.ts';
import { checkFunction, checkNumber, optionalNumber } from '../internal/validate.ts';
import { defaultRandom, type RandomSource } from '../random.ts';
import { checkLimitRange, type LimitRangeOptions } from './limit-range.ts';
import { BaseLimiter, type LimiterPermit, type Permit, type ReleaseResult } from './limiter.ts';

export interface GradientLimiterOptions extends LimitRangeOptions {
  /** Latency may rise to `tolerance ×` the baseline before the limit shrinks. ≥ 1, default 1.5. */
  tolerance?: number;
  /** Weight of each new estimate, in (0, 1]. Default 0.2. */
  smoothing?: number;
  /** Growth allowance per update at gradient 1. Default `Math.sqrt`. */
  headroom?: (limit: number) => number;
  /** Time between baseline probes. Default 60 000 ms. */
  probeIntervalMs?: number;
  /** Each interval is lengthened by up to this share, at random. In [0, 1], default 0.15. */
  probeJitter?: number;
  /** The limit while probing. Default 3, clamped into [minLimit, maxLimit]. */
  probeLimit?: number;
  /** Completed requests that make a probe. Default 25. */
  probeSamples?: number;
  clock?: Clock;
  random?: RandomSource;
}

/** Where the limiter is in its cycle. */
export type GradientState =
  | { readonly kind: 'probing'; readonly samples: number; readonly minRttMs: number | undefined }
  | { readonly kind: 'running'; readonly minRttMs: number; readonly nextProbeAt: number };

type Phase =
  | { kind: 'probing'; samples: number[]; resumeLimit: number }
  | { kind: 'running'; nextProbeAt: number };

const OWNER = 'GradientLimiter';
const MIN_GRADIENT = 0.5;
/** Latencies below this (1 µs) are taken as this, so a zero baseline cannot divide by zero. */
const EPSILON_MS = 1e-3;

export class GradientLimiter extends BaseLimiter {
  protected readonly owner = OWNER;
  readonly #min: number;
  readonly #max: number;
  readonly #tolerance: number;
  readonly #smoothing: number;
  readonly #headroom: (limit: number) => number;
  readonly #probeIntervalMs: number;
  readonly #probeJitter: number;
  readonly #probeLimit: number;
  readonly #probeSamples: number;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  #estimate: number;
  #limit: number;
  #minRtt: number | undefined;
  #phase: Phase;
  /** Increases with each probe; a permit remembers the epoch it was granted in. */
  #epoch = 0;

  constructor(options: GradientLimiterOptions = {}) {
    super();
    const range = checkLimitRange(OWNER, options);
    this.#min = range.min;
    this.#max = range.max;
    this.#tolerance = optionalNumber(OWNER, 'tolerance', options.tolerance, 1.5, { min: 1 });
    this.#smoothing = optionalNumber(OWNER, 'smoothing', options.smoothing, 0.2, {
      min: 0,
      minExclusive: true,
      max: 1,
    });
    if (options.headroom !== undefined) checkFunction(OWNER, 'headroom', options.headroom);
    this.#headroom = options.headroom ?? Math.sqrt;
    this.#probeIntervalMs = optionalNumber(OWNER, 'probeIntervalMs', options.probeIntervalMs, 60_000, {
      min: 0,
      minExclusive: true,
    });
    this.#probeJitter = optionalNumber(OWNER, 'probeJitter', options.probeJitter, 0.15, { min: 0, max: 1 });
    this.#probeLimit =
      options.probeLimit === undefined
        ? Math.min(range.max, Math.max(range.min, 3))
        : checkNumber(OWNER, 'probeLimit', options.probeLimit, {
            integer: true,
            min: range.min,
            max: range.max,
          });
    this.#probeSamples = optionalNumber(OWNER, 'probeSamples', options.probeSamples, 25, {
      integer: true,
      min: 1,
    });
    this.#clock = options.clock ?? systemClock;
    if (options.random !== undefined) checkFunction(OWNER, 'random', options.random);
    this.#random = options.random ?? defaultRandom;
    this.#estimate = range.initial;
    this.#limit = this.#probeLimit;
    this.#phase = { kind: 'probing', samples: [], resumeLimit: range.initial };
  }

  get limit(): number {
    return this.#limit;
  }

  /** The latest baseline, or undefined before the first probe completes. */
  get minRttMs(): number | undefined {
    return this.#minRtt;
  }

  get state(): GradientState {
    const phase = this.#phase;
    return phase.kind === 'probing'
      ? { kind: 'probing', samples: phase.samples.length, minRttMs: this.#minRtt }
      : { kind: 'running', minRttMs: this.#minRtt!, nextProbeAt: phase.nextProbeAt };
  }

  override tryAcquire(): Permit | undefined {
    const permit = super.tryAcquire() as LimiterPermit | undefined;
    if (permit !== undefined) permit.tag = this.#epoch;
    return permit;
  }

  protected sample(result: ReleaseResult, inFlightAtAcquire: number, permit: LimiterPermit): void {
    if (result.outcome === 'failure') return;
    const phase = this.#phase;
    if (phase.kind === 'probing') {
      if (permit.tag !== this.#epoch || result.outcome === 'dropped') return;
      phase.samples.push(result.latencyMs);
      if (phase.samples.length >= this.#probeSamples) this.#finishProbe(phase.samples, phase.resumeLimit);
      return;
    }
    if (this.#clock.now() >= phase.nextProbeAt) {
      this.#startProbe();
      return;
    }
    const estimate = this.#estimate;
    if (inFlightAtAcquire * 2 < estimate) return;
    const gradient =
      result.outcome === 'dropped'
        ? MIN_GRADIENT
        : Math.max(
            MIN_GRADIENT,
            Math.min(
              1,
              (this.#tolerance * Math.max(this.#minRtt!, EPSILON_MS)) /
                Math.max(result.latencyMs, EPSILON_MS),
            ),
          );
    const target = estimate * gradient + this.#headroom(estimate);
    const next = estimate * (1 - this.#smoothing) + target * this.#smoothing;
    this.#estimate = Number.isFinite(next) ? Math.min(this.#max, Math.max(this.#min, next)) : estimate;
    this.#limit = Math.floor(this.#estimate);
  }

  #startProbe(): void {
    this.#epoch++;
    this.#phase = { kind: 'probing', samples: [], resumeLimit: this.#estimate };
    this.#limit = this.#probeLimit;
  }

  #finishProbe(samples: number[], resumeLimit: number): void {
    samples.sort((a, b) => a - b);
    const mid = samples.length >> 1;
    this.#minRtt = samples.length % 2 === 1 ? samples[mid]! : (samples[mid - 1]! + samples[mid]!) / 2;
    const jitter = 1 + this.#probeJitter * this.#random();
    this.#phase = { kind: 'running', nextProbeAt: this.#clock.now() + this.#probeIntervalMs * jitter };
    this.#estimate = resumeLimit;
    this.#limit = Math.floor(resumeLimit);
  }
}
