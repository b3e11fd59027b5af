/**
 * The candidate with the fewest outstanding requests per unit of weight. Ties go to the first tied
 * candidate after a position that advances with each pick, so equal candidates share the load
 * instead of the first one taking it all. O(n).
 */
import { type Candidate, outstandingOf, type Picker, weightOf } from './candidate.ts';

const OWNER = 'LeastOutstandingPicker';

export class LeastOutstandingPicker implements Picker {
  #start = 0;

  pick<C extends Candidate>(candidates: readonly C[]): C | undefined {
    const n = candidates.length;
    if (n === 0) return undefined;
    const start = this.#start % n;
    this.#start = start + 1;
    let best: C | undefined;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (let k = 0; k < n; k++) {
      let i = start + k;
      if (i >= n) i -= n;
      const c = candidates[i]!;
      const load = outstandingOf(OWNER, c) / weightOf(OWNER, c);
      if (load < bestLoad) {
        best = c;
        bestLoad = load;
      }
    }
    return best;
  }
}
