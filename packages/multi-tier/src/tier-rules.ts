/**
 * What each tier keeps. Pure: the controller asks, for its backend's tier, how many workers to keep
 * ready now, and the knobs of its pool (`poolKnobs`): `min` — which the pool starts and replaces
 * when one dies (unreserved workers: for per-session backends, the spares) — and when the pool
 * stops an idle one (its idle timeout; a `min` held by demand).
 *
 * | tier | shared: kept ready            | per-session: spares kept              | an idle worker goes             |
 * | ---- | ----------------------------- | ------------------------------------- | ------------------------------- |
 * | hot  | `replicas.min`, always        | `spares`, always                      | never below the kept; extras after `idleTtlMs` |
 * | warm | none (started on demand)      | `spares` while used within `idleTtlMs` | `idleTtlMs` after its last use  |
 * | cold | none                          | none                                  | at once (after its last release) |
 *
 * A per-session worker bound to a session is never idle: it goes when its session ends.
 * `per-principal` backends follow the per-session column (a worker is bound to a principal, and goes
 * when the principal's last session ends).
 */
import type { Isolation, Tier } from './spec.ts';

export interface KeepInput {
  isolation: Isolation;
  min: number;
  spares: number;
  idleTtlMs: number;
  now: number;
  /** The backend's last acquire, on the manager's clock (−Infinity before any). */
  lastDemandAt: number;
}

/** Workers to keep ready now: live ones (shared) or unbound spares (per-session). */
export function keepReady(tier: Tier, k: KeepInput): number {
  if (tier === 'hot') return residentWhenHot(k.isolation, k.min, k.spares);
  if (tier === 'warm' && k.isolation !== 'shared' && k.now < k.lastDemandAt + k.idleTtlMs) return k.spares;
  return 0;
}

/** The pool's knobs for a tier: what it keeps, and when it stops an idle worker above that. */
export interface TierKnobs {
  /** Unreserved workers the pool keeps (before `replicas.max` and the refill delay). */
  min: number;
  /** An idle worker above `min` goes this long after its last use (0: at its last release). */
  idleTimeoutMs: number;
  /** `min` holds only while the backend had demand within `idleTimeoutMs` (warm spares). */
  minHeldByDemand: boolean;
}

export function poolKnobs(
  tier: Tier,
  k: Pick<KeepInput, 'isolation' | 'min' | 'spares' | 'idleTtlMs'>,
): TierKnobs {
  if (tier === 'hot') {
    return {
      min: residentWhenHot(k.isolation, k.min, k.spares),
      idleTimeoutMs: k.idleTtlMs,
      minHeldByDemand: false,
    };
  }
  if (tier === 'warm') {
    const spares = k.isolation !== 'shared';
    return { min: spares ? k.spares : 0, idleTimeoutMs: k.idleTtlMs, minHeldByDemand: spares };
  }
  return { min: 0, idleTimeoutMs: 0, minHeldByDemand: false };
}

/** The workers a backend keeps resident when it is hot (what the auto policy budgets for). */
export function residentWhenHot(isolation: Isolation, min: number, spares: number): number {
  return isolation === 'shared' ? Math.max(1, min) : spares;
}
