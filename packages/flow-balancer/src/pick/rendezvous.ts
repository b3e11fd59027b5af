/**
 * Rendezvous (highest-random-weight) hashing: for an affinity key, every candidate gets a score
 * from a hash of (key, candidate id) and the highest score wins. The same key goes to the same
 * candidate for as long as it is present; adding or removing a candidate moves only the keys that
 * candidate wins or held (about 1/n of them), never keys between other candidates.
 *
 * Weighted: `score = −weight ÷ ln(u)` with `u` the hash in (0, 1), so a candidate of weight 2 wins
 * twice as many keys as one of weight 1. With every weight 1 the raw hash is compared (same order,
 * no logarithm).
 *
 * `boundedLoad: factor` (≥ 1) caps any candidate at `⌈factor × (total outstanding + 1) × weight ÷
 * total weight⌉` requests: a hot key whose first choice is at the cap overflows to its next-ranked
 * candidate below the cap (consistent hashing with bounded loads, Mirrokni et al.).
 *
 * Without an affinity key the pick is delegated to `fallback` (default least outstanding).
 */
import { combine, hashString } from '../internal/hash.ts';
import { checkNumber, checkObject } from '../internal/validate.ts';
import { type Candidate, outstandingOf, type Picker, weightOf } from './candidate.ts';
import { LeastOutstandingPicker } from './least-outstanding.ts';

export interface RendezvousPickerOptions {
  /** Cap load at this factor of the (weighted) average; ≥ 1. Default: no cap. */
  boundedLoad?: number;
  /** Picks when no affinity key is given. Default `LeastOutstandingPicker`. */
  fallback?: Picker;
}

const OWNER = 'RendezvousPicker';
const TWO_32 = 4294967296;

export class RendezvousPicker implements Picker {
  readonly boundedLoad: number | undefined;
  readonly #fallback: Picker;
  readonly #ids: string[] = [];
  #hashes = new Uint32Array(16);

  constructor(options: RendezvousPickerOptions = {}) {
    this.boundedLoad =
      options.boundedLoad === undefined
        ? undefined
        : checkNumber(OWNER, 'boundedLoad', options.boundedLoad, { min: 1 });
    if (options.fallback !== undefined) {
      checkObject(OWNER, 'fallback', options.fallback);
      if (typeof options.fallback.pick !== 'function')
        throw new TypeError(`${OWNER}: "fallback" must be a Picker`);
    }
    this.#fallback = options.fallback ?? new LeastOutstandingPicker();
  }

  pick<C extends Candidate>(candidates: readonly C[], affinityKey?: string): C | undefined {
    if (affinityKey === undefined) return this.#fallback.pick(candidates);
    if (typeof affinityKey !== 'string') {
      throw new TypeError(`${OWNER}: "affinityKey" must be a string; found ${typeof affinityKey}`);
    }
    const n = candidates.length;
    if (n < 2) return candidates[0];

    // One pass: check weights, sum what bounded load needs, refresh the memoized id hashes.
    const idHashes = this.#hashesFor(n);
    const ids = this.#ids;
    let unitWeights = true;
    let totalWeight = 0;
    let totalOutstanding = 0;
    const bounded = this.boundedLoad !== undefined;
    for (let i = 0; i < n; i++) {
      const c = candidates[i]!;
      const w = weightOf(OWNER, c);
      if (w !== 1) unitWeights = false;
      totalWeight += w;
      if (bounded) totalOutstanding += outstandingOf(OWNER, c);
      const id = c.id;
      if (ids[i] !== id) {
        if (typeof id !== 'string')
          throw new TypeError(`${OWNER}: candidate id must be a string; found ${typeof id}`);
        ids[i] = id;
        idHashes[i] = hashString(id);
      }
    }
    // Forget ids past the end so a shrinking list does not pin old strings.
    if (ids.length > n) ids.length = n;
    const capPerWeight = bounded ? (this.boundedLoad! * (totalOutstanding + 1)) / totalWeight : 0;
    const keyHash = hashString(affinityKey);

    // Every score is ≥ 0, so −1 starts below them all. (An int-typed start also keeps JSC's
    // comparisons on its fast path: −Infinity made this loop six times slower.)
    let best: C | undefined;
    let bestScore = -1;
    let top: C | undefined;
    let topScore = -1;
    for (let i = 0; i < n; i++) {
      const c = candidates[i]!;
      const h = combine(keyHash, idHashes[i]!);
      const score = unitWeights ? h : -(c.weight ?? 1) / Math.log((h + 0.5) / TWO_32);
      if (score > topScore) {
        top = c;
        topScore = score;
      }
      if (score > bestScore && (!bounded || c.outstanding + 1 <= Math.ceil(capPerWeight * (c.weight ?? 1)))) {
        best = c;
        bestScore = score;
      }
    }
    return best ?? top;
  }

  /**
   * Room for the hash of each candidate's id, by position. A pool passes much the same list each
   * time, so the hashes are memoized per position and recomputed only where the id there changed.
   */
  #hashesFor(n: number): Uint32Array {
    if (this.#hashes.length < n) {
      const grown = new Uint32Array(Math.max(n, this.#hashes.length * 2));
      grown.set(this.#hashes);
      this.#hashes = grown;
    }
    return this.#hashes;
  }
}
