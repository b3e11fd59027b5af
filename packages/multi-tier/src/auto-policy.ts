/**
 * The auto policy: which tier each `auto` backend should be in, given its demand and the room the
 * global budget leaves. Pure: numbers in, decisions out, `now` given — tested with a FakeClock or
 * plain numbers, applied elsewhere (the manager).
 *
 * The model: a caller who finds no ready worker waits the start cost `c`. With arrivals at rate λ,
 * a backend kept resident saves callers λ·c of waiting per unit of time (its *value*, in ms/s).
 *
 * - **hot** — the value reaches `hotThresholdMsPerSec`, and the backend's resident workers fit in
 *   the room left; backends are admitted by value, highest first (per MB when values tie);
 * - **warm** — otherwise, when a next use within the idle TTL is at least `warmProbability` likely
 *   (Poisson arrivals: 1 − e^(−λ·TTL)), so keeping the worker until then is likely to pay;
 * - **cold** — otherwise.
 *
 * A backend leaves its tier only when its figure falls `hysteresis` below the threshold, and not
 * before `minDwellMs` in it — except when the budget no longer has room for it.
 */
import type { DemandFigures } from './demand.ts';
import type { Tier } from './spec.ts';

export interface AutoPolicyOptions {
  hotThresholdMsPerSec: number;
  warmProbability: number;
  hysteresis: number;
  minDwellMs: number;
}

export interface AutoCandidate {
  backend: string;
  tier: Tier;
  /** When it entered its tier. */
  since: number;
  figures: DemandFigures;
  /** Workers it keeps ready when hot (replicas.min or spares). */
  residentWorkers: number;
}

/** Room the budget leaves for auto backends to keep workers resident. */
export interface PolicyRoom {
  workers: number;
  memoryMb: number;
}

export interface TierDecision {
  backend: string;
  from: Tier;
  to: Tier;
  direction: 'promotion' | 'demotion';
  reason: string;
  figures: DemandFigures;
}

const RANK: Record<Tier, number> = { cold: 0, warm: 1, hot: 2 };
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : String(n));
const pct = (p: number): string => `${Math.round(p * 100)}%`;

export class AutoTierPolicy {
  readonly #o: AutoPolicyOptions;

  constructor(options: AutoPolicyOptions) {
    this.#o = options;
  }

  /** The tier changes to make now (only the backends whose tier should change). */
  decide(candidates: readonly AutoCandidate[], room: PolicyRoom, now: number): TierDecision[] {
    const o = this.#o;
    const target = new Map<string, { tier: Tier; reason: string; forced: boolean }>();

    // 1. Who deserves hot, by value; then admit in value order while the room lasts.
    const hotThreshold = (c: AutoCandidate): number =>
      c.tier === 'hot' ? o.hotThresholdMsPerSec * (1 - o.hysteresis) : o.hotThresholdMsPerSec;
    const wantHot = candidates
      .filter(
        (c) =>
          c.residentWorkers > 0 && c.figures.valueMsPerSec >= hotThreshold(c) && c.figures.valueMsPerSec > 0,
      )
      .sort(
        (a, b) =>
          b.figures.valueMsPerSec - a.figures.valueMsPerSec ||
          a.figures.memoryMb * a.residentWorkers - b.figures.memoryMb * b.residentWorkers,
      );
    let freeWorkers = room.workers;
    let freeMemory = room.memoryMb;
    const outranked = new Set<string>();
    for (const c of wantHot) {
      const memory = c.figures.memoryMb * c.residentWorkers;
      const saves = `saves ${f1(c.figures.valueMsPerSec)} ms/s of waiting (${f1(c.figures.ratePerSec)}/s × ${f1(c.figures.startCostMs)} ms start)`;
      if (c.residentWorkers <= freeWorkers && memory <= freeMemory) {
        freeWorkers -= c.residentWorkers;
        freeMemory -= memory;
        target.set(c.backend, {
          tier: 'hot',
          reason: `${saves} ≥ ${f1(hotThreshold(c))} ms/s`,
          forced: false,
        });
      } else {
        outranked.add(c.backend);
        target.set(c.backend, {
          tier: 'hot',
          reason: `budget: ${saves} but ${c.residentWorkers} worker(s) / ${f1(memory)} MB do not fit in the ${freeWorkers} worker(s) / ${f1(freeMemory)} MB left by higher-value backends`,
          forced: c.tier === 'hot',
        });
      }
    }

    // 2. The rest: warm when a use within the TTL is likely enough, else cold.
    const decisions: TierDecision[] = [];
    for (const c of candidates) {
      let t = target.get(c.backend);
      if (!t || outranked.has(c.backend)) {
        const p = c.figures.useWithinTtl;
        const warmAt = c.tier === 'warm' ? o.warmProbability * (1 - o.hysteresis) : o.warmProbability;
        const prefix = t
          ? `${t.reason}; `
          : c.tier === 'hot'
            ? `saves ${f1(c.figures.valueMsPerSec)} ms/s < ${f1(hotThreshold(c))} ms/s; `
            : '';
        t =
          p >= warmAt && p > 0
            ? {
                tier: 'warm',
                reason: `${prefix}a use within the idle TTL is ${pct(p)} likely ≥ ${pct(warmAt)}`,
                forced: t?.forced ?? false,
              }
            : {
                tier: 'cold',
                reason: `${prefix}a use within the idle TTL is ${pct(p)} likely < ${pct(warmAt)}`,
                forced: t?.forced ?? false,
              };
      }
      if (t.tier === c.tier) continue;
      if (!t.forced && now - c.since < o.minDwellMs) continue;
      decisions.push({
        backend: c.backend,
        from: c.tier,
        to: t.tier,
        direction: RANK[t.tier] > RANK[c.tier] ? 'promotion' : 'demotion',
        reason: t.reason,
        figures: c.figures,
      });
    }
    return decisions;
  }
}
