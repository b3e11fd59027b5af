/**
 * A token bucket: holds up to `burst` tokens, refills at `ratePerSecond`, and `tryTake(n)` takes n
 * tokens or says how long until there are enough. Refill is computed lazily from the clock; no timer.
 */
import { type Clock, systemClock } from '../clock.ts';
import { checkNumber, optionalNumber } from '../internal/validate.ts';

export type TakeResult = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

export interface TokenBucketOptions {
  /** Tokens added per second; finite, > 0. */
  ratePerSecond: number;
  /** Most tokens held (the largest burst allowed); finite, ≥ 1. */
  burst: number;
  /** Tokens at start; default `burst`. */
  initialTokens?: number;
  clock?: Clock;
}

/** The state of one bucket; shared with the keyed limiter, which holds many. */
export interface BucketState {
  tokens: number;
  updatedAt: number;
}

export interface BucketParams {
  readonly ratePerMs: number;
  readonly burst: number;
}

export const TAKEN: TakeResult = Object.freeze({ ok: true });

export function checkBucketParams(
  owner: string,
  options: { ratePerSecond: number; burst: number },
): BucketParams {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${owner}: options must be an object with "ratePerSecond" and "burst"`);
  }
  const rate = checkNumber(owner, 'ratePerSecond', options.ratePerSecond, { min: 0, minExclusive: true });
  const burst = checkNumber(owner, 'burst', options.burst, { min: 1 });
  return { ratePerMs: rate / 1000, burst };
}

export function checkTake(owner: string, n: number, burst: number): void {
  if (typeof n !== 'number' || !(n > 0) || !Number.isFinite(n)) {
    throw new RangeError(`${owner}.tryTake: "n" must be a finite number > 0; found ${String(n)}`);
  }
  if (n > burst) {
    throw new RangeError(`${owner}.tryTake: "n" (${n}) can never be granted: it exceeds "burst" (${burst})`);
  }
}

/** Refills `state` up to `now`, then takes `n` tokens if it can. */
export function take(state: BucketState, params: BucketParams, n: number, now: number): TakeResult {
  const elapsed = now - state.updatedAt;
  if (elapsed > 0) {
    state.tokens = Math.min(params.burst, state.tokens + elapsed * params.ratePerMs);
  }
  state.updatedAt = now;
  if (state.tokens >= n) {
    state.tokens -= n;
    return TAKEN;
  }
  return { ok: false, retryAfterMs: Math.max(1, Math.ceil((n - state.tokens) / params.ratePerMs)) };
}

const OWNER = 'TokenBucket';

export class TokenBucket {
  readonly #params: BucketParams;
  readonly #state: BucketState;
  readonly #clock: Clock;

  constructor(options: TokenBucketOptions) {
    this.#params = checkBucketParams(OWNER, options);
    this.#clock = options.clock ?? systemClock;
    this.#state = {
      tokens: optionalNumber(OWNER, 'initialTokens', options.initialTokens, this.#params.burst, {
        min: 0,
        max: this.#params.burst,
      }),
      updatedAt: this.#clock.now(),
    };
  }

  /** Tokens available now. */
  get tokens(): number {
    const s = this.#state;
    const elapsed = this.#clock.now() - s.updatedAt;
    return elapsed > 0 ? Math.min(this.#params.burst, s.tokens + elapsed * this.#params.ratePerMs) : s.tokens;
  }

  /** Takes `n` tokens (default 1), or says in how many milliseconds `n` will be there. */
  tryTake(n = 1): TakeResult {
    if (n !== 1) checkTake(OWNER, n, this.#params.burst);
    return take(this.#state, this.#params, n, this.#clock.now());
  }
}
