/**
 * One backend's workers, all in the backend's one pool (`backend-pool.ts`): hands out leases
 * (shared with session affinity, or one worker per session or principal — a reservation in the
 * pool), starts workers for demand, sets the pool's knobs to its tier (`tier-rules.ts`
 * `poolKnobs`: `min`, the idle timeout, spares held by demand) — the pool starts what is kept,
 * replaces the dead and stops the idle (a lease holds its worker; the controller names each idle
 * stop as its tier does) — and marks the backend failed — with retry and backoff
 * (`backend-health.ts`; the pool starts none meanwhile) — when it cannot start. Outlier
 * ejection of its workers and its circuit breaker are `backend-resilience.ts`'s: the controller
 * asks it before each acquire and when it chooses a worker. The budget across backends is the
 * manager's: the controller asks it before each start, and tells it what its workers hold
 * (measured as each becomes ready and on the manager's sampling timer).
 */
import type { CancelSignal, Clock, Permit } from '@switchyard/flow-balancer';
import { defaultConcurrency, type PoolWorker } from '@switchyard/worker-pool';
import { BackendHealth } from './backend-health.ts';
import { BackendPool } from './backend-pool.ts';
import { BackendResilience } from './backend-resilience.ts';
import { ANONYMOUS, principalKey, principalOf } from './binding-keys.ts';
import type { DemandFigures } from './demand.ts';
import { Demand } from './demand.ts';
import {
  BackendAtCapacityError,
  BackendFailedError,
  ManagerClosedError,
  type SessionLossReason,
  SessionWorkerLostError,
} from './errors.ts';
import type { EventHub, StartReason, StopReason } from './events.ts';
import { LatencyRecorder } from './latency.ts';
import { Lease, type OutcomeSink } from './lease.ts';
import { Replica, type ReplicaHooks, type StartFailure } from './replica.ts';
import { unbound } from './spares.ts';
import type { AuthorizeHook, ResolvedAuto, ResolvedBackend, Tier } from './spec.ts';
import { type BackendCounters, type BackendStats, backendStatsOf } from './stats.ts';
import { keepReady, poolKnobs } from './tier-rules.ts';
import { type WaitOptions, waitForReady, within } from './wait.ts';

export interface AcquireOptions {
  /** The caller's session: sticky to one worker (shared) or owning one (per-session). */
  session?: string;
  /**
   * The caller's principal (a token's subject). `per-principal` backends bind one worker to each
   * principal, shared by its sessions; undefined is the empty-string principal (one worker for
   * every unauthenticated caller). Shared and per-session backends ignore it.
   */
  principal?: string;
  /**
   * Shared backends: `false` makes and follows no binding of `session` to a worker (the least busy
   * one serves each acquire). Per-session backends ignore it. Default true.
   */
  sticky?: boolean;
  signal?: AbortSignal;
  /**
   * The call's own signal — its end (cancelled, timed out): an acquire waiting for a place in the
   * backend's admission, for a worker to start or for its principal's authorization gives up at
   * once (AcquireAbortedError) rather than at its deadline. Any `CancelSignal` (a flow-balancer
   * `Cancellation`, or the call itself): a call needs no `AbortController`. Default `signal`
   * (which alone is handed to an `authorize` hook).
   */
  callSignal?: CancelSignal;
  /** Absolute deadline on the manager's clock (`clock.now() + budgetMs`). */
  deadline?: number;
  /** Relative time budget, ms (the earlier of this and `deadline` wins). */
  timeoutMs?: number;
}

export interface ControllerDeps {
  clock: Clock;
  random: () => number;
  events: EventHub;
  auto: ResolvedAuto;
  nextWorkerId(): number;
  /** Measure process workers' resident memory (`budget.sampleIntervalMs` > 0). */
  measureMemory: boolean;
  /**
   * Room for one more worker of this backend in the global budget. With `evict`, idle workers
   * elsewhere may be stopped for it, and a full budget throws BudgetExceededError; without, a full
   * budget returns false.
   */
  admit(controller: BackendController, evict: boolean): boolean;
}

interface SessionBinding {
  replica: Replica;
  lost?: { reason: SessionLossReason; detail: string };
}

/** How `close()` ends the backend: for the manager's stop, or for `removeBackend()`. */
export interface CloseHow {
  /** The `worker-stopped` reason. */
  reason: StopReason;
  /** What acquires waiting for a worker to start fail with. */
  error: () => Error;
  /**
   * Removal: a worker with leases out is kept until its last release, for up to the drain time
   * (real time, like worker-pool's drain), then stopped. Without it every worker is stopped at
   * once, its requests in flight given the drain time to finish.
   */
  untilReleased: boolean;
}

const MANAGER_STOP: CloseHow = {
  reason: 'manager-stop',
  error: () => new ManagerClosedError(),
  untilReleased: false,
};

export class BackendController {
  readonly spec: ResolvedBackend;
  readonly demand: Demand;
  readonly #deps: ControllerDeps;
  readonly #health: BackendHealth;
  /** The backend's one pool: every worker of it runs there. */
  readonly #pool: BackendPool<Replica>;
  readonly #replicas = new Set<Replica>();
  readonly #stopping = new Set<Promise<void>>();
  readonly #sessions = new Map<string, SessionBinding>();
  readonly #affinity = new Map<string, Replica>();
  readonly #latency = new LatencyRecorder();
  readonly #counters: BackendCounters = {
    starts: { hot: 0, warm: 0, cold: 0 },
    evictions: 0,
    promotions: 0,
    demotions: 0,
    crashes: 0,
    startFailures: 0,
    leases: 0,
  };
  /** Outlier ejection of its workers and its circuit breaker. */
  readonly #resilience: BackendResilience;
  /**
   * A call on a worker ended (`Lease.report`). A worker gone (or going) is not tracked any more:
   * its late outcomes count for the backend only.
   */
  readonly #outcomes: OutcomeSink = {
    report: (r, lease, outcome) =>
      this.#resilience.report(
        r.state === 'ready' && this.#replicas.has(r) ? r.id : undefined,
        lease,
        outcome,
      ),
  };
  readonly #readyWaiters = new Set<() => void>();
  /** The last measure taken of any of its workers, MiB (kept after that worker stopped). */
  #lastMeasuredMb: number | undefined;
  #tier: Tier;
  #tierSince: number;
  #lastDemandAt = Number.NEGATIVE_INFINITY;
  /** Per-session: spares taken are not replaced before this (`spareRefillDelayMs`). */
  #refillAt = Number.NEGATIVE_INFINITY;
  /** The end of a spare refill delay (`#reconcile` looks again then). */
  #timer: unknown;
  #retryTimer: unknown;
  #open = false;
  #closed = false;
  #anonymous = 0;
  #soon = false;
  /** Once `close()` was called: its reason, its promise, and the end of a removal's drain. */
  #closeReason: StopReason = 'manager-stop';
  #closing: Promise<number> | undefined;
  #endDrain: (() => void) | undefined;
  readonly #drainTimers = new Set<ReturnType<typeof setTimeout>>();
  readonly #hooks: ReplicaHooks = {
    onReady: (r, startMs) => this.#onReady(r, startMs),
    onStartFailed: (r, f) => this.#onStartFailed(r, f),
    onDied: (r, f) => this.#onDied(r, f),
    onIdle: (r) => this.#onIdle(r),
    onMessage: (r, message) =>
      this.#deps.events.emit({ type: 'worker-message', backend: this.spec.name, workerId: r.id, message }),
  };

  constructor(spec: ResolvedBackend, deps: ControllerDeps) {
    this.spec = spec;
    this.#deps = deps;
    this.demand = new Demand(deps.auto.rateWindowMs, deps.auto.startCostPriorMs);
    this.#health = new BackendHealth(spec.retry, deps.random);
    this.#pool = new BackendPool<Replica>(spec, {
      adopt: (worker) => this.#adopt(worker),
      // None while the backend is failed: its retry starts them again (`#reconcile`).
      canStart: () => !this.#closed && !this.#health.failed && this.#deps.admit(this, false),
      clock: deps.clock,
    });
    this.#tier = spec.tier === 'auto' ? deps.auto.initialTier : spec.tier;
    this.#tierSince = deps.clock.now();
    this.#resilience = new BackendResilience(spec, { clock: deps.clock, events: deps.events });
  }

  get name(): string {
    return this.spec.name;
  }

  get tier(): Tier {
    return this.#tier;
  }

  get tierSince(): number {
    return this.#tierSince;
  }

  get failed(): boolean {
    return this.#health.failed;
  }

  /** Live workers (starting or ready). */
  get live(): number {
    let n = 0;
    for (const r of this.#replicas) if (r.live) n++;
    return n;
  }

  /** What its live workers hold, MiB: each one's last measure, or the estimate until measured. */
  get memoryMb(): number {
    let mb = 0;
    for (const r of this.#replicas) if (r.live) mb += r.memoryMb;
    return mb;
  }

  /**
   * What one more worker is expected to hold, MiB, for the budget's `fits` and the auto policy:
   * the largest measure among its live workers — a new worker serves the same tools and grows like
   * its siblings, and the largest errs on the budget's side (a mean would let one start that then
   * overshoots) — else the last measure of one gone (a cold backend's next start costs what its
   * last worker held), else the estimate.
   */
  get workerMemoryMb(): number {
    let max: number | undefined;
    for (const r of this.#replicas) {
      if (r.live && r.measuredMb !== undefined) max = Math.max(max ?? 0, r.measuredMb);
    }
    return max ?? this.#lastMeasuredMb ?? this.spec.memoryMb;
  }

  /** Measure its ready workers' resident memory now (process workers; a thread keeps its estimate). */
  measureMemory(): void {
    for (const r of this.#replicas) this.#measure(r);
  }

  #measure(r: Replica): void {
    const mb = r.measure();
    if (mb !== undefined) this.#lastMeasuredMb = mb;
  }

  /** Leases out now, across its workers. */
  get leasesOut(): number {
    let n = 0;
    for (const r of this.#replicas) n += r.leases;
    return n;
  }

  figures(): DemandFigures {
    return this.demand.figures(this.#deps.clock.now(), this.spec.idleTtlMs, this.workerMemoryMb);
  }

  /** Start what the tier keeps ready. */
  open(): void {
    if (this.#open || this.#closed) return;
    this.#open = true;
    this.#reconcile();
  }

  /** Resolves once the tier's kept workers are ready, or the backend has failed. */
  settled(): Promise<void> {
    if (this.#isSettled()) return Promise.resolve();
    return new Promise((resolve) => this.#readyWaiters.add(resolve));
  }

  /** Whether the kept workers are ready (or the backend failed). */
  #isSettled(): boolean {
    if (this.#health.failed || this.#closed) return true;
    const keep = this.#keep();
    const ready = [...this.#replicas].filter(
      (r) => r.state === 'ready' && (this.spec.isolation === 'shared' || r.session === undefined),
    ).length;
    return ready >= keep;
  }

  #notifySettled(): void {
    if (this.#readyWaiters.size === 0 || !this.#isSettled()) return;
    for (const w of [...this.#readyWaiters]) w();
    this.#readyWaiters.clear();
  }

  // ── acquire / release ─────────────────────────────────────────────────────────────────────

  acquire(options: AcquireOptions = {}): Promise<Lease> {
    const got = this.acquireNow(options);
    return got instanceof Lease ? Promise.resolve(got) : got;
  }

  /**
   * `acquire`, except that a lease to be had at once — a ready worker of a shared backend whose
   * breaker is closed — is returned as it is rather than in a promise (a hot path pays no promise
   * for it). Everything else — waits, refusals — comes as `acquire` gives it.
   */
  acquireNow(options: AcquireOptions = {}): Lease | Promise<Lease> {
    if (this.#closed) return Promise.reject(new ManagerClosedError());
    this.open();
    const clock = this.#deps.clock;
    const now = clock.now();
    this.demand.arrival(now);
    this.#lastDemandAt = now;
    if (this.spec.isolation !== 'shared') this.#pool.demand(); // the spares count as used now
    const h = this.#health.current;
    if (h.state === 'failed') {
      if (now < h.retryAt) {
        return Promise.reject(
          new BackendFailedError(this.name, h.reason, h.stderrTail, h.failures, h.retryAt, {
            retryInMs: h.retryAt - now,
          }),
        );
      }
      this.#retryNow();
    }
    // The circuit breaker: open, fail fast; half-open, this acquire may be the one probe.
    let probe: Permit | undefined;
    try {
      probe = this.#resilience.admit(now);
    } catch (e) {
      return Promise.reject(e);
    }
    let deadline = options.deadline;
    if (options.timeoutMs !== undefined) deadline = Math.min(deadline ?? Infinity, now + options.timeoutMs);
    const wait: WaitOptions = {
      signal: options.callSignal ?? options.signal,
      hook: options.signal,
      deadline,
    };
    let leased: Lease | Promise<Lease>;
    try {
      switch (this.spec.isolation) {
        case 'shared':
          leased = this.#acquireShared(options.sticky === false ? undefined : options.session, wait);
          break;
        case 'per-session':
          leased = this.#acquireBound(options.session, options.session, wait);
          break;
        case 'per-principal': {
          const principal = options.principal ?? '';
          const key = principalKey(principal);
          const authorize = this.spec.authorize;
          leased =
            authorize === undefined || this.#sessions.has(key)
              ? this.#acquireBound(key, options.session, wait)
              : this.#authorized(authorize, principal, key, options.session, wait);
          break;
        }
      }
    } catch (e) {
      leased = Promise.reject(e);
    }
    if (probe === undefined) return leased;
    return this.#resilience.probing(probe, leased instanceof Lease ? Promise.resolve(leased) : leased);
  }

  #acquireShared(session: string | undefined, wait: WaitOptions): Lease | Promise<Lease> {
    let r = session === undefined ? undefined : this.#affinity.get(session);
    // An ejected worker is left out while another ready one serves: the session moves (a shared
    // backend's workers hold no session state).
    const resilience = this.#resilience;
    const now = resilience.ejecting ? this.#deps.clock.now() : 0;
    if (r && (!r.live || (resilience.isEjected(r.id, now) && this.#otherReady(r, now)))) {
      this.#unbind(session!);
      r = undefined;
    }
    if (!r) {
      let starting: Replica | undefined;
      /** The least busy ejected worker: served only when no other is ready. */
      let ejected: Replica | undefined;
      // The least busy ready worker; among equals, the one fewest sessions are bound to (a
      // session's first request holds its lease only an instant, so leases alone tie).
      for (const c of this.#replicas) {
        if (c.state === 'ready') {
          if (resilience.isEjected(c.id, now)) {
            if (!ejected || c.leases < ejected.leases) ejected = c;
          } else if (!r || c.leases < r.leases || (c.leases === r.leases && c.affine < r.affine)) {
            r = c;
          }
        }
        if (c.state === 'starting' && !starting) starting = c;
      }
      r ??= ejected;
      const perWorker = this.spec.concurrency ?? defaultConcurrency(this.spec.source.kind);
      if (r && r.leases >= perWorker && !starting && this.live < this.spec.max) {
        // Busy everywhere: grow in the background; this caller shares the least busy worker.
        this.#start('demand', false);
      }
      r ??= starting ?? this.#start('demand', true);
    }
    if (!r) throw new BackendAtCapacityError(this.name, this.spec.max);
    if (session !== undefined && this.#affinity.get(session) !== r) {
      this.#unbind(session);
      this.#affinity.set(session, r);
      r.affine++;
    }
    return this.#leaseNowOrWait(r, session, session, wait);
  }

  /** Another ready worker than `r`, not ejected at `now`. */
  #otherReady(r: Replica, now: number): boolean {
    for (const c of this.#replicas) {
      if (c !== r && c.state === 'ready' && !this.#resilience.isEjected(c.id, now)) return true;
    }
    return false;
  }

  /** `session` no longer has affinity to its worker. */
  #unbind(session: string): void {
    const bound = this.#affinity.get(session);
    if (!bound) return;
    this.#affinity.delete(session);
    bound.affine--;
  }

  /**
   * A principal without a worker yet, on a backend with `authorize`: asked first (within the
   * acquire's deadline and signal); its refusal fails this acquire alone (no worker started, the
   * backend's health untouched).
   */
  async #authorized(
    authorize: AuthorizeHook,
    principal: string,
    key: string,
    session: string | undefined,
    wait: WaitOptions,
  ): Promise<Lease> {
    await within(authorize(principal, wait.hook), this.name, this.#deps.clock, wait);
    if (this.#closed) throw new ManagerClosedError();
    return this.#acquireBound(key, session, wait);
  }

  /**
   * Per-principal at `replicas.max`: the worker of the principal least recently served that is
   * idle (ready, no lease out, nobody waiting for it) is ended to make room for a new principal —
   * whose sessions get a new worker on their next call. Per-session workers hold their session's
   * state and are never taken.
   */
  #makeRoom(): void {
    if (this.spec.isolation !== 'per-principal') return;
    // The pool's idle reserved workers, longest idle (least recently served) first.
    const lru = this.#pool
      .idle({ reserved: true })
      .find((r) => this.#replicas.has(r) && principalOf(r.session) !== undefined && !r.sessionEnded);
    if (!lru) return;
    this.#sessions.delete(lru.session!);
    this.#stopReplica(lru, 'made-room');
  }

  /**
   * Per-session (`bindTo` is the session) and per-principal (`bindTo` is the principal's key)
   * backends: the worker bound to `bindTo`, or a spare (or a new worker) bound to it now. The lease
   * names `session`, the caller's.
   */
  #acquireBound(bindTo: string | undefined, session: string | undefined, wait: WaitOptions): Promise<Lease> {
    const anonymous = bindTo === undefined;
    const key = bindTo ?? `${ANONYMOUS}${++this.#anonymous}`;
    const principal = principalOf(key);
    const bound = this.#sessions.get(key);
    if (bound) {
      if (bound.lost) {
        throw new SessionWorkerLostError(
          this.name,
          principal === undefined ? key : (session ?? ''),
          bound.lost.reason,
          bound.lost.detail,
          principal,
        );
      }
      return this.#leaseOrWait(bound.replica, key, session, wait);
    }
    // A spare, reserved in the pool for this key (the pool chooses which); else a new worker.
    // The spare taken is replaced after `spareRefillDelayMs` (by `#reconcile`), not at once: until
    // then the pool keeps the spares left (and stops none of them for it).
    this.#pool.tune({ min: Math.max(0, unbound(this.#replicas).length - 1) });
    let r = this.#pool.reserveSpare(key);
    const spare = r !== undefined;
    if (!r) {
      if (this.live >= this.spec.max) this.#makeRoom();
      if (this.live >= this.spec.max) throw this.#atCapacity();
      r = this.#start('demand', true, key);
    }
    if (!r) throw this.#atCapacity();
    r.session = key;
    this.#sessions.set(key, { replica: r });
    if (!anonymous) {
      this.#deps.events.emit({
        type: 'session-bound',
        backend: this.name,
        session: key,
        workerId: r.id,
        spare,
        ...(principal !== undefined && { principal }),
      });
    }
    // Replenish the spare in the background, a little later: its start should not take CPU from
    // this session's first requests (`#reconcile` holds the refill until `#refillAt`).
    if (spare) this.#refillAt = this.#deps.clock.now() + this.spec.spareRefillDelayMs;
    this.#reconcileSoon();
    const leased = this.#leaseOrWait(r, key, session, wait);
    if (!anonymous) return leased;
    return leased.then(
      (lease) => lease,
      (e: unknown) => {
        this.endSession(key);
        throw e;
      },
    );
  }

  #atCapacity(): BackendAtCapacityError {
    return new BackendAtCapacityError(
      this.name,
      this.spec.max,
      this.spec.isolation === 'per-principal' ? 'principals' : 'sessions',
    );
  }

  /** A lease on `r` for `session`; `key` is its binding (session, principal or anonymous key). */
  #leaseOrWait(
    r: Replica,
    key: string | undefined,
    session: string | undefined,
    wait: WaitOptions,
  ): Promise<Lease> {
    const got = this.#leaseNowOrWait(r, key, session, wait);
    return got instanceof Lease ? Promise.resolve(got) : got;
  }

  /** A lease on `r` at once when it is ready; else once it is (or the wait ends). */
  #leaseNowOrWait(
    r: Replica,
    key: string | undefined,
    session: string | undefined,
    wait: WaitOptions,
  ): Lease | Promise<Lease> {
    if (r.state === 'ready') return this.#lease(r, key, session, true);
    return waitForReady(
      r,
      this.#deps.clock,
      wait,
      (ready) => this.#lease(ready, key, session, false),
      () => this.#reconcile(),
    );
  }

  #lease(r: Replica, key: string | undefined, session: string | undefined, warmHit: boolean): Lease {
    r.leases++;
    r.hold(); // busy for the pool's idle sweep until released
    this.#counters.leases++;
    return new Lease(r, session, warmHit, (lease) => this.#release(r, key, lease), this.#outcomes);
  }

  #release(r: Replica, session: string | undefined, lease: Lease): void {
    r.leases--;
    this.#resilience.released(lease);
    // Its last release starts its idle time; an idle worker the tier does not keep is the pool's
    // to stop (a cold one at once, here).
    r.unhold();
    if (this.#closed) {
      // Draining for a removal: a worker goes at its last release.
      if (r.leases === 0 && this.#replicas.has(r)) this.#stopReplica(r, this.#closeReason);
      this.#drainStep();
      return;
    }
    if (session?.startsWith(ANONYMOUS)) {
      this.endSession(session);
      return;
    }
    if (r.sessionEnded && r.leases === 0 && r.live) {
      this.#stopReplica(r, 'session-end');
      this.#reconcile();
    }
  }

  /**
   * The session is over: forget its affinity; stop its own worker (after its last lease). A
   * per-principal backend's workers are the principals': `endPrincipal` ends them.
   */
  endSession(session: string): void {
    this.#unbind(session);
    if (this.spec.isolation === 'per-principal' && !session.startsWith(ANONYMOUS)) return;
    this.#endBinding(session);
  }

  /** The principal's last session ended: stop its per-principal worker (after its last lease). */
  endPrincipal(principal: string): void {
    if (this.spec.isolation !== 'per-principal') return;
    this.#endBinding(principalKey(principal));
  }

  #endBinding(key: string): void {
    const b = this.#sessions.get(key);
    if (!b) return;
    this.#sessions.delete(key);
    const r = b.replica;
    if (b.lost || !r.live) return;
    r.sessionEnded = true;
    if (r.leases === 0) {
      const principal = principalOf(key);
      for (const w of [...r.waiters]) {
        w.failed(
          principal === undefined
            ? new SessionWorkerLostError(this.name, key, 'stopped', 'the session ended')
            : new SessionWorkerLostError(
                this.name,
                '',
                'stopped',
                'the principal’s sessions ended',
                principal,
              ),
        );
      }
      this.#stopReplica(r, 'session-end');
    }
    this.#reconcile();
  }

  // ── starting and stopping workers ─────────────────────────────────────────────────────────

  /** Start a worker (reserved in the pool for `key`, a session's or principal's binding). */
  #start(reason: StartReason, evict: boolean, key?: string): Replica | undefined {
    if (this.live >= this.spec.max) return undefined;
    if (!this.#deps.admit(this, evict)) return undefined;
    return this.#born(reason, key, undefined);
  }

  /** A worker the pool started on its own, to keep what the tier keeps (`min`). */
  #adopt(worker: PoolWorker): Replica {
    return this.#born(this.#tier === 'hot' ? 'hot' : 'spare', undefined, worker);
  }

  /** A new worker: started now in the pool (for `key`), or `adopted` from it; counted and told. */
  #born(reason: StartReason, key: string | undefined, adopted: PoolWorker | undefined): Replica {
    const now = this.#deps.clock.now();
    const id = this.#deps.nextWorkerId();
    const r = new Replica(id, this.spec, this.#tier, now, this.#hooks, this.#pool, key, adopted);
    // Held until it is ready and its waiters have their leases (`#onReady`): the pool must not
    // find it idle before.
    r.hold();
    this.#replicas.add(r);
    this.#counters.starts[this.#tier]++;
    this.#deps.events.emit({
      type: 'worker-starting',
      backend: this.name,
      workerId: r.id,
      pid: r.pid,
      tier: this.#tier,
      reason,
    });
    return r;
  }

  #stopReplica(r: Replica, reason: StopReason): void {
    this.#replicas.delete(r);
    this.#resilience.workerGone(r.id);
    if (r.session !== undefined && this.#sessions.get(r.session)?.replica === r)
      this.#sessions.delete(r.session);
    for (const [s, bound] of this.#affinity) if (bound === r) this.#unbind(s);
    this.#track(r.stop());
    this.#deps.events.emit({ type: 'worker-stopped', backend: this.name, workerId: r.id, reason });
  }

  /** A worker's exit, awaited by `close()` and counted as `stopping` until then. */
  #track(exited: Promise<void>): void {
    this.#stopping.add(exited);
    void exited.then(() => this.#stopping.delete(exited));
  }

  #onReady(r: Replica, startMs: number): void {
    // Its first measure: from now on it counts what it holds, not the estimate.
    if (this.#deps.measureMemory) this.#measure(r);
    this.demand.observeStart(startMs);
    this.#latency.record(startMs);
    if (this.#health.started()) this.#deps.events.emit({ type: 'backend-recovered', backend: this.name });
    this.#deps.events.emit({ type: 'worker-ready', backend: this.name, workerId: r.id, pid: r.pid, startMs });
    if (this.#closed) return;
    this.#resilience.workerReady(r.id); // counts toward maxEjectionPercent
    for (const w of [...r.waiters]) w.ready(r);
    if (r.sessionEnded && r.leases === 0) this.#stopReplica(r, 'session-end');
    r.unhold(); // its birth hold: from now the pool may find it idle
    this.#reconcile();
    this.#notifySettled();
  }

  /** The pool stopped an idle worker by the tier's knobs: told as the tier names it. */
  #onIdle(r: Replica): void {
    if (!this.#replicas.has(r) || this.#closed) return;
    const shared = this.spec.isolation === 'shared';
    this.#stopReplica(r, this.#tier !== 'cold' ? 'idle-ttl' : shared ? 'released' : 'unclaimed');
  }

  #onStartFailed(r: Replica, f: StartFailure): void {
    this.#replicas.delete(r);
    this.#track(r.stop()); // worker-pool is stopping what it spawned
    if (r.session !== undefined) this.#sessions.delete(r.session);
    if (this.#closed) {
      for (const w of [...r.waiters]) w.failed(new ManagerClosedError());
      return;
    }
    if (f.refused !== undefined && r.session !== undefined) {
      this.#onStartRefused(r, f.refused);
      return;
    }
    this.#counters.startFailures++;
    const error = this.#fail(
      f.reason,
      f.stderrTail,
      this.#health.startFailed(this.#deps.clock.now(), f.reason, f.stderrTail),
      f.cause,
    );
    for (const w of [...r.waiters]) w.failed(error);
    this.#reconcile();
    this.#notifySettled();
  }

  /**
   * A bound worker's start refused for its binding alone (`BindingRefusedError`: e.g. the remote
   * rejected its principal's credentials): its waiters — that principal's (session's) acquires —
   * fail with the refusal; the binding is already forgotten, so the next acquire tries afresh
   * (through `authorize`). Not a failed start: the backend's health, backoff and breaker are untouched.
   */
  #onStartRefused(r: Replica, refused: Error): void {
    this.#deps.events.emit({ type: 'worker-stopped', backend: this.name, workerId: r.id, reason: 'refused' });
    for (const w of [...r.waiters]) w.failed(refused);
    this.#reconcile();
    this.#notifySettled();
  }

  #onDied(r: Replica, f: StartFailure): void {
    this.#replicas.delete(r);
    this.#resilience.workerGone(r.id);
    this.#track(r.stop());
    if (this.#closed) {
      this.#drainStep();
      return;
    }
    this.#counters.crashes++;
    const session = r.session !== undefined && !r.session.startsWith(ANONYMOUS) ? r.session : undefined;
    const principal = principalOf(session);
    this.#deps.events.emit({
      type: 'worker-died',
      backend: this.name,
      workerId: r.id,
      pid: r.pid,
      detail: f.reason,
      stderrTail: f.stderrTail,
      ...(session !== undefined && { session }),
      ...(principal !== undefined && { principal }),
    });
    const bound = r.session === undefined ? undefined : this.#sessions.get(r.session);
    if (bound?.replica === r) {
      bound.lost = { reason: 'crashed', detail: f.reason };
      if (session !== undefined) {
        this.#deps.events.emit({
          type: 'session-lost',
          backend: this.name,
          session,
          workerId: r.id,
          detail: f.reason,
          ...(principal !== undefined && { principal }),
        });
      }
    }
    for (const [s, b] of this.#affinity) if (b === r) this.#unbind(s);
    const delay = this.#health.crashed(this.#deps.clock.now(), f.reason, f.stderrTail);
    if (delay !== undefined) this.#fail(this.#healthReason(), f.stderrTail, delay, f.cause);
    this.#reconcile(); // a hot backend replaces it at once
  }

  #healthReason(): string {
    const h = this.#health.current;
    return h.state === 'failed' ? h.reason : '';
  }

  /** The backend is failed: tell, schedule the retry, and return the error for waiters. */
  #fail(reason: string, stderrTail: readonly string[], delayMs: number, cause: unknown): BackendFailedError {
    const h = this.#health.current;
    const failures = h.state === 'failed' ? h.failures : 1;
    const retryAt = h.state === 'failed' ? h.retryAt : this.#deps.clock.now() + delayMs;
    this.#deps.events.emit({
      type: 'backend-failed',
      backend: this.name,
      reason,
      stderrTail,
      failures,
      retryInMs: delayMs,
    });
    const clock = this.#deps.clock;
    if (this.#retryTimer !== undefined) clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = unref(
      clock.setTimeout(() => {
        this.#retryTimer = undefined;
        this.#retryNow();
        this.#reconcile();
      }, delayMs),
    );
    return new BackendFailedError(this.name, reason, stderrTail, failures, retryAt, { cause });
  }

  #retryNow(): void {
    const h = this.#health.current;
    if (h.state !== 'failed') return;
    if (this.#retryTimer !== undefined) this.#deps.clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#health.retry();
    this.#deps.events.emit({ type: 'backend-retry', backend: this.name, failures: h.failures });
  }

  #keep(): number {
    const s = this.spec;
    return keepReady(this.#tier, {
      isolation: s.isolation,
      min: s.min,
      spares: s.spares,
      idleTtlMs: s.idleTtlMs,
      now: this.#deps.clock.now(),
      lastDemandAt: this.#lastDemandAt,
    });
  }

  /** Reconcile on the next turn of the event loop: a spawn costs milliseconds the caller should not wait. */
  #reconcileSoon(): void {
    if (this.#soon) return;
    this.#soon = true;
    setTimeout(() => {
      this.#soon = false;
      this.#reconcile();
    }, 0);
  }

  /**
   * Set the pool's knobs to the tier (`poolKnobs`): what it keeps ready — started by the pool,
   * never past `replicas.max`, only where the budget has room, none while failed (`canStart`) — and
   * when it stops an idle worker above that (`idle-ttl`; cold: at its last release). Spares taken
   * are replaced only after the refill delay: until then `min` is the spares left, and a timer
   * looks again.
   */
  #reconcile(): void {
    if (!this.#open || this.#closed) return;
    const clock = this.#deps.clock;
    if (this.#timer !== undefined) clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const now = clock.now();
    const s = this.spec;
    const knobs = poolKnobs(this.#tier, s);
    let min = Math.min(knobs.min, s.max);
    if (s.isolation !== 'shared' && now < this.#refillAt) {
      const spares = unbound(this.#replicas).length;
      if (spares < this.#keep()) {
        min = spares;
        this.#timer = unref(
          clock.setTimeout(() => {
            this.#timer = undefined;
            this.#reconcile();
          }, this.#refillAt - now),
        );
      }
    }
    this.#pool.tune({ ...knobs, min });
  }

  // ── what the manager asks ─────────────────────────────────────────────────────────────────

  /** Room may have come free in the budget: start what the tier keeps, if it was held back. */
  nudge(): void {
    this.#reconcile();
  }

  /** A new tier (the auto policy's decision); the workers follow it. */
  setTier(tier: Tier, direction: 'promotion' | 'demotion'): void {
    if (tier === this.#tier) return;
    this.#tier = tier;
    this.#tierSince = this.#deps.clock.now();
    if (direction === 'promotion') this.#counters.promotions++;
    else this.#counters.demotions++;
    this.#reconcile();
  }

  /**
   * Idle ready workers the budget may take — the pool's idle unreserved ones, longest idle first —
   * with when each was last used. A configured hot backend keeps its resident workers: only the
   * pool's idle ones above its `min` may go.
   */
  evictable(): Replica[] {
    return this.#pool.idle({ beyondMin: this.spec.tier === 'hot' }).filter((r) => this.#replicas.has(r));
  }

  /** Stop an idle worker for the budget. */
  evict(r: Replica): void {
    if (!this.#replicas.has(r)) return;
    this.#counters.evictions++;
    this.#stopReplica(r, 'evicted');
  }

  /**
   * Stop every worker; resolves when each has exited, with the leases still out when the drain
   * ended. Called again while closing (the manager stops during a removal), the drain ends within
   * the new `drainMs`.
   */
  close(drainMs: number, how: CloseHow = MANAGER_STOP): Promise<number> {
    if (this.#closing) {
      this.#endDrainAfter(drainMs);
      return this.#closing;
    }
    this.#closed = true;
    // The controller stops what is left: the pool keeps none, and stops none for idleness.
    this.#pool.tune({ min: 0, idleTimeoutMs: Number.POSITIVE_INFINITY });
    this.#closeReason = how.reason;
    const clock = this.#deps.clock;
    if (this.#timer !== undefined) clock.clearTimeout(this.#timer);
    if (this.#retryTimer !== undefined) clock.clearTimeout(this.#retryTimer);
    this.#timer = this.#retryTimer = undefined;
    for (const w of this.#readyWaiters) w();
    this.#readyWaiters.clear();
    for (const r of this.#replicas) for (const w of [...r.waiters]) w.failed(how.error());
    const workersGone = how.untilReleased ? this.#drainThenStop(drainMs) : this.#stopAll(drainMs);
    // The pool goes once its workers have: nothing of the backend is left running.
    this.#closing = workersGone.then(async (leases) => {
      await this.#pool.stop();
      return leases;
    });
    return this.#closing;
  }

  async #stopAll(drainMs: number): Promise<number> {
    const exits: Promise<void>[] = [...this.#stopping];
    const leases = this.leasesOut;
    for (const r of this.#replicas) {
      this.#resilience.workerGone(r.id);
      exits.push(r.stop(drainMs));
      this.#deps.events.emit({
        type: 'worker-stopped',
        backend: this.name,
        workerId: r.id,
        reason: this.#closeReason,
      });
    }
    this.#replicas.clear();
    this.#sessions.clear();
    this.#affinity.clear();
    await Promise.all(exits);
    return leases;
  }

  /** Removal: stop the idle workers now and each leased one at its last release, or at the drain's end. */
  async #drainThenStop(drainMs: number): Promise<number> {
    for (const r of [...this.#replicas]) {
      if (r.state !== 'ready' || r.leases === 0) this.#stopReplica(r, this.#closeReason);
    }
    if (this.#replicas.size > 0) {
      await new Promise<void>((resolve) => {
        this.#endDrain = resolve;
        this.#endDrainAfter(drainMs);
      });
    }
    for (const t of this.#drainTimers) clearTimeout(t);
    this.#drainTimers.clear();
    const cut = this.leasesOut;
    for (const r of [...this.#replicas]) this.#stopReplica(r, this.#closeReason);
    this.#sessions.clear();
    this.#affinity.clear();
    // Exits tracked while waiting went from the set as they happened: what is left is still running.
    await Promise.all([...this.#stopping]);
    return cut;
  }

  #endDrainAfter(ms: number): void {
    if (!this.#endDrain) return;
    if (ms <= 0) {
      this.#finishDrain();
      return;
    }
    this.#drainTimers.add(setTimeout(() => this.#finishDrain(), ms));
  }

  /** While draining: done once no worker is left. */
  #drainStep(): void {
    if (this.#replicas.size === 0) this.#finishDrain();
  }

  #finishDrain(): void {
    const end = this.#endDrain;
    this.#endDrain = undefined;
    end?.();
  }

  stats(): BackendStats {
    return backendStatsOf({
      spec: this.spec,
      effectiveTier: this.#tier,
      health: this.#health.current,
      workers: this.#replicas,
      stopping: this.#stopping.size,
      counters: this.#counters,
      startLatency: this.#latency.snapshot(),
      sessions: this.spec.isolation === 'shared' ? this.#affinity.size : this.#sessions.size,
      memoryMb: this.memoryMb,
      workerMemoryMb: this.workerMemoryMb,
      demand: this.figures(),
      resilience: this.#resilience.stats(),
    });
  }
}

/** Timers of the system clock should not keep the process alive. */
function unref(handle: unknown): unknown {
  (handle as { unref?: () => void } | null)?.unref?.();
  return handle;
}
