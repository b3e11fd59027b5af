/**
 * Exponential backoff with jitter: the delay before try `attempt` (0 for the first retry) is
 * `min(maxDelayMs, baseDelayMs × factor^attempt)`, of which a share `jitter` is random, so that
 * many callers failing together do not retry in step:
 *
 *     delay = exp × (1 − jitter) + exp × jitter × random()
 *
 * `jitter` 0 is the plain exponential; 1 is "full jitter" (anywhere in [0, exp)). Randomness is
 * injected (`RandomSource`) and drawn exactly once per delay, so a seeded source gives the same
 * delays on every run.
 */
import { checkFunction, checkNumber, checkObject, optionalNumber } from '../internal/validate.ts';
import { defaultRandom, type RandomSource } from '../random.ts';

export interface BackoffOptions {
  /** The first delay before jitter, ms; ≥ 0 (Infinity: never retry). */
  baseDelayMs: number;
  /** The cap before jitter, ms; ≥ `baseDelayMs` (Infinity allowed). */
  maxDelayMs: number;
  /** The random share of each delay, in [0, 1]. Default 0. */
  jitter?: number;
  /** Growth per attempt, ≥ 1. Default 2 (doubling). */
  factor?: number;
  /** Default `Math.random`. */
  random?: RandomSource;
}

interface Params {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly jitter: number;
  readonly factor: number;
  readonly random: RandomSource;
}

function checkParams(owner: string, options: BackoffOptions): Params {
  checkObject(owner, 'options', options);
  const baseDelayMs = checkNumber(owner, 'baseDelayMs', options.baseDelayMs, { min: 0, infinity: true });
  const maxDelayMs = checkNumber(owner, 'maxDelayMs', options.maxDelayMs, {
    min: baseDelayMs,
    infinity: true,
  });
  const jitter = optionalNumber(owner, 'jitter', options.jitter, 0, { min: 0, max: 1 });
  const factor = optionalNumber(owner, 'factor', options.factor, 2, { min: 1 });
  const random = options.random ?? defaultRandom;
  checkFunction(owner, 'random', random);
  return { baseDelayMs, maxDelayMs, jitter, factor, random };
}

function delayOf(p: Params, attempt: number): number {
  // A zero base stays zero (0 × Infinity would be NaN once factor^attempt overflows).
  const exp = p.baseDelayMs === 0 ? 0 : Math.min(p.maxDelayMs, p.baseDelayMs * p.factor ** attempt);
  const random = p.random();
  // An infinite delay stays infinite (∞ × 0 would be NaN with no jitter).
  return exp === Number.POSITIVE_INFINITY ? exp : exp * (1 - p.jitter) + exp * p.jitter * random;
}

/** The delay before try `attempt` (an integer ≥ 0), for one-off use; see `Backoff` to keep count. */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  checkNumber('backoffDelay', 'attempt', attempt, { integer: true, min: 0 });
  return delayOf(checkParams('backoffDelay', options), attempt);
}

/**
 * A run of failures: `next()` gives the delay before the next try and counts the failure;
 * `reset()` (after a success) starts the doubling again from `baseDelayMs`.
 */
export class Backoff {
  readonly #params: Params;
  #attempt = 0;

  constructor(options: BackoffOptions) {
    this.#params = checkParams('Backoff', options);
  }

  /** Failures counted since the last `reset()`. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next try (jitter drawn now); counts one more failure. */
  next(): number {
    return delayOf(this.#params, this.#attempt++);
  }

  /** Back to the first delay. */
  reset(): void {
    this.#attempt = 0;
  }
}
