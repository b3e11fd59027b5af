/**
 * What each tier keeps. Pure: the controller asks, for its backend's tier, how many workers to keep
 * ready now — the backend pool's `min`, which starts them and replaces the dead (unreserved workers:
 * for per-session backends, the spares) — and when an idle one may go.
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

/** When an idle worker last used at `lastUsedAt` may be stopped (if more than the kept are live). */
export function idleExpiry(tier: Tier, idleTtlMs: number, lastUsedAt: number): number {
  return tier === 'cold' ? lastUsedAt : lastUsedAt + idleTtlMs;
}

/** The workers a backend keeps resident when it is hot (what the auto policy budgets for). */
export function residentWhenHot(isolation: Isolation, min: number, spares: number): number {
  return isolation === 'shared' ? Math.max(1, min) : spares;
}
