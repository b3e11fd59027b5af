/**
 * What a picker chooses among, and the picker contract. A worker pool makes each of its workers
 * (or a small view of one) a `Candidate` and keeps its fields current.
 */

export interface Candidate {
  /** Stable identity; rendezvous hashing keys on it. */
  readonly id: string;
  /** Requests in progress on this candidate (finite, ≥ 0). */
  readonly outstanding: number;
  /** Its recent latency, e.g. a `PeakEwma` value (finite, ≥ 0). */
  readonly latencyMs?: number;
  /** Relative capacity (finite, > 0); default 1. */
  readonly weight?: number;
}

export interface Picker {
  /** One of `candidates`, or undefined when there are none. */
  pick<C extends Candidate>(candidates: readonly C[], affinityKey?: string): C | undefined;
}

/** The candidate's weight, checked: 1 when absent. */
export function weightOf(owner: string, c: Candidate): number {
  const w = c.weight;
  if (w === undefined) return 1;
  if (typeof w !== 'number' || !(w > 0) || w === Number.POSITIVE_INFINITY) {
    throw new RangeError(
      `${owner}: candidate "${c.id}" has weight ${String(w)}; expected a finite number > 0`,
    );
  }
  return w;
}

/** The candidate's outstanding count, checked. */
export function outstandingOf(owner: string, c: Candidate): number {
  const o = c.outstanding;
  if (typeof o !== 'number' || !(o >= 0) || o === Number.POSITIVE_INFINITY) {
    throw new RangeError(
      `${owner}: candidate "${c.id}" has outstanding ${String(o)}; expected a finite number ≥ 0`,
    );
  }
  return o;
}

/** The candidate's latency, checked, or undefined when it has none. */
export function latencyOf(owner: string, c: Candidate): number | undefined {
  const l = c.latencyMs;
  if (l === undefined) return undefined;
  if (typeof l !== 'number' || !(l >= 0) || l === Number.POSITIVE_INFINITY) {
    throw new RangeError(
      `${owner}: candidate "${c.id}" has latencyMs ${String(l)}; expected a finite number ≥ 0`,
    );
  }
  return l;
}

/** A draw from `random`, checked to be in [0, 1). */
export function draw(owner: string, random: () => number): number {
  const r = random();
  if (!(r >= 0 && r < 1))
    throw new RangeError(`${owner}: the random source returned ${String(r)}; expected [0, 1)`);
  return r;
}
