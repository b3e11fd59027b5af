/** Each candidate in turn. Ignores load, latency, weight and affinity key. */
import type { Candidate, Picker } from './candidate.ts';

export class RoundRobinPicker implements Picker {
  #next = 0;

  pick<C extends Candidate>(candidates: readonly C[]): C | undefined {
    const n = candidates.length;
    if (n === 0) return undefined;
    const i = this.#next % n;
    this.#next = i + 1;
    return candidates[i];
  }
}
