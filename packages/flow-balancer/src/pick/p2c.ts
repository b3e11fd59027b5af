/**
 * Power of two choices on a latency-aware cost, as Linkerd and Finagle balance: draw two distinct
 * candidates at random and take the cheaper, where
 * `cost = (outstanding + 1) × latencyMs ÷ weight` (latency from a `PeakEwma`). Two random choices
 * avoid the herding of "always the least loaded" while staying O(1) per pick.
 *
 * A candidate without `latencyMs` uses `defaultLatencyMs`; when that is not set either, the pair is
 * compared on `(outstanding + 1) ÷ weight` alone.
 */

import { checkFunction, checkNumber } from '../internal/validate.ts';
import { defaultRandom, type RandomSource } from '../random.ts';
import { type Candidate, draw, latencyOf, outstandingOf, type Picker, weightOf } from './candidate.ts';

export interface P2CPickerOptions {
  random?: RandomSource;
  /** Latency assumed for a candidate that has none yet (finite, ≥ 0). */
  defaultLatencyMs?: number;
}

const OWNER = 'P2CPicker';
/** Latencies are floored at 1 µs so a zero latency does not erase the outstanding count. */
const EPSILON_MS = 1e-3;

export class P2CPicker implements Picker {
  readonly #random: RandomSource;
  readonly #defaultLatencyMs: number | undefined;

  constructor(options: P2CPickerOptions = {}) {
    if (options.random !== undefined) checkFunction(OWNER, 'random', options.random);
    this.#random = options.random ?? defaultRandom;
    this.#defaultLatencyMs =
      options.defaultLatencyMs === undefined
        ? undefined
        : checkNumber(OWNER, 'defaultLatencyMs', options.defaultLatencyMs, { min: 0 });
  }

  pick<C extends Candidate>(candidates: readonly C[]): C | undefined {
    const n = candidates.length;
    if (n < 2) return candidates[0];
    const i = Math.floor(draw(OWNER, this.#random) * n);
    let j = Math.floor(draw(OWNER, this.#random) * (n - 1));
    if (j >= i) j++;
    const a = candidates[i]!;
    const b = candidates[j]!;
    let costA = (outstandingOf(OWNER, a) + 1) / weightOf(OWNER, a);
    let costB = (outstandingOf(OWNER, b) + 1) / weightOf(OWNER, b);
    const latencyA = latencyOf(OWNER, a) ?? this.#defaultLatencyMs;
    const latencyB = latencyOf(OWNER, b) ?? this.#defaultLatencyMs;
    if (latencyA !== undefined && latencyB !== undefined) {
      costA *= Math.max(latencyA, EPSILON_MS);
      costB *= Math.max(latencyB, EPSILON_MS);
    }
    return costB < costA ? b : a;
  }
}
