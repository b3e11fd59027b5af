/** The `stats()` snapshot of the manager and of each backend, and how a backend's is made. */
import type { HealthState } from './backend-health.ts';
import type { DemandFigures } from './demand.ts';
import type { LatencySnapshot } from './latency.ts';
import type { Isolation, Tier, TierSetting } from './spec.ts';

export interface BackendStats {
  /** As configured. */
  tier: TierSetting;
  /** The tier in force (for `auto`, the policy's latest choice). */
  effectiveTier: Tier;
  isolation: Isolation;
  state: 'ok' | 'failed';
  failure?: { reason: string; stderrTail: readonly string[]; failures: number; retryAt: number };
  /**
   * Workers by state: `starting`, `ready` (of which `leased` have a lease out; `spare` are
   * per-session / per-principal workers bound to no session or principal), `stopping`;
   * `total` = starting + ready.
   */
  workers: {
    starting: number;
    ready: number;
    leased: number;
    spare: number;
    stopping: number;
    total: number;
  };
  /**
   * What its live workers hold, MiB: each process worker's last measured resident memory (VmRSS),
   * or the backend's `memoryMb` estimate until it is measured; each thread worker's estimate.
   */
  memoryMb: number;
  /**
   * What one more worker is expected to hold, MiB (what the budget checks before a start): the
   * largest measure among its live workers, else the last measure of one gone, else the estimate.
   */
  workerMemoryMb: number;
  /** Live workers counted at a measure (the others count the estimate). */
  measuredWorkers: number;
  /**
   * Sessions with affinity (shared), sessions with their own worker (per-session), or principals
   * with their own worker (per-principal).
   */
  sessions: number;
  /** `replicas.max`: the most workers this backend may have live. */
  maxWorkers: number;
  /**
   * Per-session / per-principal: every worker it may have is bound (no spare, no room to start
   * one) — per-principal: and each has a lease out (an idle one would make room) — so a new session
   * (or principal) is refused until one ends (or is free). Shared backends: never.
   */
  saturated: boolean;
  /** Workers started, by the tier the backend was in. */
  starts: { hot: number; warm: number; cold: number; total: number };
  startFailures: number;
  /** Spawn → ready, ms. */
  startLatency: LatencySnapshot;
  /** Leases handed out in all. */
  leases: number;
  /** Ready workers that died. */
  crashes: number;
  evictions: number;
  promotions: number;
  demotions: number;
  demand: DemandFigures;
  /**
   * The circuit breaker: `closed` (calls go through), `open` (acquires fail fast with
   * `BackendCircuitOpenError` until `breakerRetryAt`), `half-open` (one probe call is let through;
   * its success closes it), `off` (`breaker: false`).
   */
  breaker: 'closed' | 'open' | 'half-open' | 'off';
  /** While open: when a probe will be let through (manager's clock), and how long until then, ms. */
  breakerRetryAt?: number;
  breakerRetryInMs?: number;
  /** Times the breaker opened. */
  breakerOpens: number;
  /** Ready workers ejected now (outlier ejection: left out of the choice while another serves). */
  ejectedWorkers: number;
  /** Worker ejections in all. */
  ejections: number;
  /** Calls reported failed (`Lease.report('failure')`). */
  callFailures: number;
}

export type ManagerState = 'created' | 'starting' | 'ready' | 'stopping' | 'stopped';

export interface ManagerStats {
  state: ManagerState;
  /** Live workers across backends. */
  workers: number;
  /** What they hold, MiB: the sum of the backends' `memoryMb` (measured, or estimated until measured). */
  memoryMb: number;
  budget: { maxWorkers: number; maxMemoryMb: number; sampleIntervalMs: number };
  backends: Record<string, BackendStats>;
  /**
   * Backends `removeBackend()` is removing: gone from `backends`, but their leased workers (still
   * counted in `workers` and `memoryMb`) have not all exited yet.
   */
  removing: string[];
}

/** The breaker's and outlier ejection's part of a backend's stats (`BackendResilience.stats()`). */
export type ResilienceStats = Pick<
  BackendStats,
  | 'breaker'
  | 'breakerRetryAt'
  | 'breakerRetryInMs'
  | 'breakerOpens'
  | 'ejectedWorkers'
  | 'ejections'
  | 'callFailures'
>;

/** What a backend counts over its life (its controller keeps them). */
export interface BackendCounters {
  starts: { hot: number; warm: number; cold: number };
  evictions: number;
  promotions: number;
  demotions: number;
  crashes: number;
  startFailures: number;
  leases: number;
}

/** A worker of a backend as its stats count it. */
export interface CountedWorker {
  readonly live: boolean;
  readonly state: string;
  readonly leases: number;
  readonly session: string | undefined;
  readonly measuredMb: number | undefined;
}

/** What a backend's stats are made of. */
export interface BackendStatsInput {
  spec: { tier: TierSetting; isolation: Isolation; max: number };
  effectiveTier: Tier;
  health: HealthState;
  workers: Iterable<CountedWorker>;
  /** Workers stopping (gone from `workers`, not yet exited). */
  stopping: number;
  counters: BackendCounters;
  startLatency: LatencySnapshot;
  /** Sessions with affinity (shared) or bound (per-session / per-principal). */
  sessions: number;
  memoryMb: number;
  workerMemoryMb: number;
  demand: DemandFigures;
  resilience: ResilienceStats;
}

/** One backend's `stats()` snapshot. */
export function backendStatsOf(i: BackendStatsInput): BackendStats {
  const shared = i.spec.isolation === 'shared';
  const workers = { starting: 0, ready: 0, leased: 0, spare: 0, stopping: i.stopping, total: 0 };
  let measuredWorkers = 0;
  const perPrincipal = i.spec.isolation === 'per-principal';
  /** Per-principal: bound workers with no lease out (one would make room for a new principal). */
  let idleBound = 0;
  for (const r of i.workers) {
    if (!r.live) continue;
    workers.total++;
    if (r.state === 'starting') workers.starting++;
    else workers.ready++;
    if (r.state === 'ready' && r.leases > 0) workers.leased++;
    if (!shared && r.session === undefined) workers.spare++;
    else if (perPrincipal && r.state === 'ready' && r.leases === 0) idleBound++;
    if (r.measuredMb !== undefined) measuredWorkers++;
  }
  const h = i.health;
  const c = i.counters;
  return {
    tier: i.spec.tier,
    effectiveTier: i.effectiveTier,
    isolation: i.spec.isolation,
    state: h.state,
    ...(h.state === 'failed' && {
      failure: { reason: h.reason, stderrTail: h.stderrTail, failures: h.failures, retryAt: h.retryAt },
    }),
    workers,
    memoryMb: i.memoryMb,
    workerMemoryMb: i.workerMemoryMb,
    measuredWorkers,
    sessions: i.sessions,
    maxWorkers: i.spec.max,
    saturated:
      !shared && workers.spare === 0 && workers.total - workers.spare >= i.spec.max && idleBound === 0,
    starts: { ...c.starts, total: c.starts.hot + c.starts.warm + c.starts.cold },
    startFailures: c.startFailures,
    startLatency: i.startLatency,
    leases: c.leases,
    crashes: c.crashes,
    evictions: c.evictions,
    promotions: c.promotions,
    demotions: c.demotions,
    demand: i.demand,
    ...i.resilience,
  };
}
