/**
 * Outlier ejection over a set of candidates (as Envoy's outlier detection): each candidate's calls
 * feed its own strategy (default: 5 consecutive failures); when it trips, the candidate is ejected
 * — left out of `available(...)` — for `min(maxEjectionMs, baseEjectionMs × ejections)`, where
 * `ejections` counts its ejections (one less for each `ejectionDecayMs` it then stays in).
 *
 * At most `maxEjectionPercent` of the known candidates are ejected at once (but at least one, when
 * the percentage is above 0, as Envoy does): past that cap a tripped candidate stays in, so a
 * failure of the whole backend never empties the pool. Candidates become known through `add` or
 * their first `record`.
 */
import { type Clock, systemClock } from '../clock.ts';
import type { Outcome } from '../concurrency/limiter.ts';
import { checkFunction, checkOneOf, optionalNumber } from '../internal/validate.ts';
import type { Candidate } from '../pick/candidate.ts';
import { ConsecutiveFailures } from './consecutive-failures.ts';
import type { BreakerStrategy } from './strategy.ts';

export type OutlierState =
  | { readonly kind: 'healthy'; readonly ejections: number }
  | { readonly kind: 'ejected'; readonly until: number; readonly ejections: number };

export interface OutlierDetectorOptions {
  /** Makes one strategy per candidate. Default `() => new ConsecutiveFailures(5)`. */
  strategy?: () => BreakerStrategy;
  /** The first ejection's length; finite, > 0. Default 30 000 ms. */
  baseEjectionMs?: number;
  /** The longest ejection; ≥ baseEjectionMs. Default max(baseEjectionMs, 300 000 ms). */
  maxEjectionMs?: number;
  /** Time back in after which the ejection count drops by one; > 0. Default maxEjectionMs. */
  ejectionDecayMs?: number;
  /** Most candidates ejected at once, as a percentage of those known, in [0, 100]. Default 10. */
  maxEjectionPercent?: number;
  clock?: Clock;
  /** Told each ejection. */
  onEject?: (id: string, until: number, ejections: number) => void;
}

interface Tracked {
  readonly strategy: BreakerStrategy;
  ejections: number;
  /** Ejected until this time; −Infinity when in. */
  until: number;
  /** When it last came back in (for the decay of `ejections`). */
  returnedAt: number;
}

const OWNER = 'OutlierDetector';
const OUTCOMES: readonly Outcome[] = ['success', 'failure', 'dropped'];

export class OutlierDetector {
  readonly baseEjectionMs: number;
  readonly maxEjectionMs: number;
  readonly ejectionDecayMs: number;
  readonly maxEjectionPercent: number;
  readonly #makeStrategy: () => BreakerStrategy;
  readonly #clock: Clock;
  readonly #onEject: ((id: string, until: number, ejections: number) => void) | undefined;
  readonly #tracked = new Map<string, Tracked>();
  readonly #ejected = new Set<string>();

  constructor(options: OutlierDetectorOptions = {}) {
    if (options.strategy !== undefined) checkFunction(OWNER, 'strategy', options.strategy);
    this.#makeStrategy = options.strategy ?? (() => new ConsecutiveFailures(5));
    this.baseEjectionMs = optionalNumber(OWNER, 'baseEjectionMs', options.baseEjectionMs, 30_000, {
      min: 0,
      minExclusive: true,
    });
    this.maxEjectionMs = optionalNumber(
      OWNER,
      'maxEjectionMs',
      options.maxEjectionMs,
      Math.max(this.baseEjectionMs, 300_000),
      { min: this.baseEjectionMs },
    );
    this.ejectionDecayMs = optionalNumber(
      OWNER,
      'ejectionDecayMs',
      options.ejectionDecayMs,
      this.maxEjectionMs,
      {
        min: 0,
        minExclusive: true,
        infinity: true,
      },
    );
    this.maxEjectionPercent = optionalNumber(OWNER, 'maxEjectionPercent', options.maxEjectionPercent, 10, {
      min: 0,
      max: 100,
    });
    this.#clock = options.clock ?? systemClock;
    if (options.onEject !== undefined) checkFunction(OWNER, 'onEject', options.onEject);
    this.#onEject = options.onEject;
  }

  /** Candidates known. */
  get size(): number {
    return this.#tracked.size;
  }

  /** Candidates ejected now. */
  get ejectedCount(): number {
    this.#returnDue(this.#clock.now());
    return this.#ejected.size;
  }

  /** Makes `id` known (counts toward the ejection cap). */
  add(id: string): void {
    this.#track(id);
  }

  /** Forgets `id` (a worker that is gone). */
  remove(id: string): void {
    this.#tracked.delete(id);
    this.#ejected.delete(id);
  }

  /** One call's outcome on `id`. Calls ending while `id` is ejected are not counted. */
  record(id: string, outcome: Outcome): void {
    if (outcome !== 'success' && outcome !== 'failure' && outcome !== 'dropped') {
      checkOneOf(`${OWNER}.record`, 'outcome', outcome, OUTCOMES);
    }
    const t = this.#track(id);
    const now = this.#clock.now();
    this.#returnDue(now);
    if (t.until > now || outcome === 'dropped') return;
    if (outcome === 'success') {
      t.strategy.success(now);
    } else if (t.strategy.failure(now) && this.#ejected.size < this.#cap()) {
      const decayed = Number.isFinite(this.ejectionDecayMs)
        ? Math.floor((now - t.returnedAt) / this.ejectionDecayMs)
        : 0;
      t.ejections = Math.max(0, t.ejections - Math.max(0, decayed)) + 1;
      t.until = now + Math.min(this.maxEjectionMs, this.baseEjectionMs * t.ejections);
      t.strategy.reset();
      this.#ejected.add(id);
      this.#onEject?.(id, t.until, t.ejections);
    }
  }

  isEjected(id: string): boolean {
    const t = this.#tracked.get(id);
    if (t === undefined) return false;
    this.#returnDue(this.#clock.now());
    return this.#ejected.has(id);
  }

  state(id: string): OutlierState | undefined {
    const t = this.#tracked.get(id);
    if (t === undefined) return undefined;
    this.#returnDue(this.#clock.now());
    return this.#ejected.has(id)
      ? { kind: 'ejected', until: t.until, ejections: t.ejections }
      : { kind: 'healthy', ejections: t.ejections };
  }

  /** The candidates not ejected now (the same array when none is). */
  available<C extends Candidate>(candidates: readonly C[]): readonly C[] {
    if (this.#ejected.size === 0) return candidates;
    this.#returnDue(this.#clock.now());
    if (this.#ejected.size === 0) return candidates;
    return candidates.filter((c) => !this.#ejected.has(c.id));
  }

  #cap(): number {
    if (this.maxEjectionPercent === 0) return 0;
    return Math.max(1, Math.floor((this.maxEjectionPercent * this.#tracked.size) / 100));
  }

  #track(id: string): Tracked {
    if (typeof id !== 'string')
      throw new TypeError(`${OWNER}: candidate id must be a string; found ${typeof id}`);
    let t = this.#tracked.get(id);
    if (t === undefined) {
      t = { strategy: this.#makeStrategy(), ejections: 0, until: Number.NEGATIVE_INFINITY, returnedAt: 0 };
      this.#tracked.set(id, t);
    }
    return t;
  }

  #returnDue(now: number): void {
    for (const id of this.#ejected) {
      const t = this.#tracked.get(id)!;
      if (t.until <= now) {
        this.#ejected.delete(id);
        t.returnedAt = t.until;
        t.until = Number.NEGATIVE_INFINITY;
      }
    }
  }
}
