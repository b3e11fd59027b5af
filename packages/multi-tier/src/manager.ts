/**
 * `MultiTierPoolManager`: one controller per backend (`backend-controller.ts`), wired to the
 * global budget and its eviction order (`budget.ts`), the auto policy (`auto-policy.ts`, applied
 * here on a timer of the injected clock), the events and the stats. It hands out leases on ready
 * workers; it knows nothing of MCP — the `ready` hook of each backend does the handshake.
 *
 * A call (`acquire` with `admit`) first takes a place in its backend's admission (`backend-gate.ts`):
 * the one backend-level gate, beside the backend's pool, held by the call's lease.
 *
 * The budget counts what process workers hold: each is measured (VmRSS) as it becomes ready and on
 * a timer of the injected clock (`budget.sampleIntervalMs`), and counts its last measure.
 */
import { type Clock, defaultRandom, systemClock } from '@switchyard/flow-balancer';
import { defaultConcurrency } from '@switchyard/worker-pool';
import { type AutoCandidate, AutoTierPolicy } from './auto-policy.ts';
import { type AcquireOptions, BackendController, type ControllerDeps } from './backend-controller.ts';
import { type AdmitOptions, type BackendAdmission, BackendGate } from './backend-gate.ts';
import { type BudgetUse, chooseEvictions, fits } from './budget.ts';
import {
  BackendExistsError,
  BackendRemovedError,
  BudgetExceededError,
  ManagerClosedError,
  StartInterruptedError,
  UnknownBackendError,
} from './errors.ts';
import { EventHub, type MultiTierEvent, type MultiTierEventOf, type MultiTierEventType } from './events.ts';
import type { Lease } from './lease.ts';
import {
  type BackendSpec,
  checkHotFits,
  type MultiTierOptions,
  type ResolvedBackend,
  type ResolvedOptions,
  resolveBackend,
  resolveOptions,
} from './spec.ts';
import type { ManagerState, ManagerStats } from './stats.ts';
import { residentWhenHot } from './tier-rules.ts';

export interface StartOptions {
  signal?: AbortSignal;
  /** Absolute deadline on the manager's clock. */
  deadline?: number;
  /** Relative time budget, ms. */
  timeoutMs?: number;
}

/** What `start()` resolves with: the hot backends ready, and those that failed (with why). */
export interface StartReport {
  ready: string[];
  failed: { backend: string; reason: string }[];
}

/** `addBackend()`'s bounds on waiting for a hot backend's workers, as `start()`'s. */
export type AddBackendOptions = StartOptions;

export interface RemoveBackendOptions {
  /**
   * How long leases out may go on before the backend's workers are stopped, ms (real time, like
   * `stop()`'s). Idle workers stop at once; a leased one at its last release. Default 0.
   */
  timeoutMs?: number;
}

export interface ManagerStopOptions {
  /** How long requests in flight may finish before workers are stopped, ms. Default 0. */
  timeoutMs?: number;
}

export class MultiTierPoolManager implements AsyncDisposable {
  readonly #o: ResolvedOptions;
  readonly #clock: Clock;
  readonly #events = new EventHub();
  readonly #controllers = new Map<string, BackendController>();
  /** Each backend's admission (calls in flight and waiting), beside its controller. */
  readonly #gates = new Map<string, BackendGate>();
  /** Backends `removeBackend()` is removing, until their last worker has exited. */
  readonly #removing = new Map<string, { controller: BackendController; done: Promise<void> }>();
  readonly #deps: ControllerDeps;
  readonly #policy: AutoTierPolicy;
  #state: ManagerState = 'created';
  #nextWorkerId = 1;
  #autoTimer: unknown;
  #sampleTimer: unknown;
  #stopping: Promise<void> | undefined;
  #nudgeQueued = false;

  constructor(options: MultiTierOptions) {
    this.#o = resolveOptions(options);
    this.#clock = options.clock ?? systemClock;
    this.#policy = new AutoTierPolicy(this.#o.auto);
    this.#deps = {
      clock: this.#clock,
      random: options.random ?? defaultRandom,
      events: this.#events,
      auto: this.#o.auto,
      nextWorkerId: () => this.#nextWorkerId++,
      measureMemory: this.#o.budget.sampleIntervalMs > 0,
      admit: (c, evict) => this.#admit(c, evict),
    };
    for (const spec of this.#o.backends) this.#add(spec);
    // A worker gone frees room in the budget: starts held back elsewhere (hot replacements,
    // spares) may go ahead now.
    if (Number.isFinite(this.#o.budget.maxWorkers) || Number.isFinite(this.#o.budget.maxMemoryMb)) {
      const freed = (): void => this.#roomFreed();
      this.#events.on('worker-stopped', freed);
      this.#events.on('worker-died', freed);
      this.#events.on('backend-failed', freed);
    }
  }

  get state(): ManagerState {
    return this.#state;
  }

  /** The backends' names. */
  get backends(): string[] {
    return [...this.#controllers.keys()];
  }

  /**
   * Start the hot backends' workers (and spares) and resolve once they are ready — or failed: a
   * backend that cannot start does not hold the others back; the report names it and why.
   */
  async start(options: StartOptions = {}): Promise<StartReport> {
    if (this.#closed) throw new ManagerClosedError();
    this.#open();
    const hot = [...this.#controllers.values()].filter((c) => c.tier === 'hot');
    const deadline = this.#deadline(options);
    const pending = new Set(hot.map((c) => c.name));
    const all = Promise.all(hot.map((c) => c.settled().then(() => pending.delete(c.name))));
    await interruptible(all, this.#clock, options.signal, deadline, (kind, reason) => {
      return new StartInterruptedError(kind, [...pending], reason);
    });
    if (this.#state === 'starting') this.#setState('ready');
    const report: StartReport = { ready: [], failed: [] };
    for (const c of hot) {
      if (this.#controllers.get(c.name) !== c) continue; // removed meanwhile
      const s = c.stats();
      if (s.failure) report.failed.push({ backend: c.name, reason: s.failure.reason });
      else report.ready.push(c.name);
    }
    return report;
  }

  /**
   * A lease on a ready worker of `backend`. Waits for a start when none is ready (concurrent
   * acquires share it), bounded by `signal` and `deadline`/`timeoutMs`. Fails fast with typed
   * errors: UnknownBackendError, BackendFailedError, SessionWorkerLostError, BudgetExceededError,
   * BackendAtCapacityError, ManagerClosedError; AcquireTimeoutError / AcquireAbortedError.
   */
  acquire(backend: string, options: AcquireOptions & AdmitOptions = {}): Promise<Lease> {
    const got = this.acquireNow(backend, options);
    return got instanceof Promise ? got : Promise.resolve(got);
  }

  /**
   * `acquire`, except that a lease to be had at once (a ready worker of a shared backend, its
   * breaker closed, a place free for a call) is returned as it is, not in a promise: for a caller on
   * a hot path. Waits and refusals come as promises, as from `acquire`. With `admit` (a call), a
   * place in the backend's admission first: BackendOverloadedError when none is free and its queue
   * is full; the wait for one is bounded by `signal` and `deadline`/`timeoutMs` like the rest.
   */
  acquireNow(backend: string, options: AcquireOptions & AdmitOptions = {}): Lease | Promise<Lease> {
    const c = this.#controllers.get(backend);
    if (!c) {
      const error = this.#removing.has(backend) ? BackendRemovedError : UnknownBackendError;
      return Promise.reject(new error(backend, this.backends));
    }
    if (this.#closed) return Promise.reject(new ManagerClosedError());
    this.#open();
    if (options.admit !== true) return c.acquireNow(options);
    const taken = options.continues?.takePlace();
    if (taken !== undefined) return this.#placed(c.acquireNow(options), taken);
    const gate = this.#gates.get(backend)!;
    if (gate.tryEnter()) return this.#placed(c.acquireNow(options), gate);
    let deadline = options.deadline;
    if (options.timeoutMs !== undefined) {
      deadline = Math.min(deadline ?? Infinity, this.#clock.now() + options.timeoutMs);
    }
    // The wait for a place is the acquire's: what remains of its time bounds the wait for a worker.
    return gate.enter(options.callSignal ?? options.signal, deadline).then(() => {
      if (this.#controllers.get(backend) !== c || this.#closed) {
        gate.leave();
        throw this.#closed ? new ManagerClosedError() : new BackendRemovedError(backend, this.backends);
      }
      const { timeoutMs: _, ...rest } = options;
      return this.#placed(c.acquireNow(deadline === undefined ? rest : { ...rest, deadline }), gate);
    });
  }

  /** Each backend's admission figures (limit, calls in flight, calls waiting); undefined for an unknown one. */
  admission(backend: string): BackendAdmission | undefined {
    return this.#gates.get(backend);
  }

  /** `got`'s lease holds `place`; an acquire that fails gives it back. */
  #placed(got: Lease | Promise<Lease>, place: BackendGate): Lease | Promise<Lease> {
    if (!(got instanceof Promise)) {
      got.hold(place);
      return got;
    }
    return got.then(
      (lease) => {
        lease.hold(place);
        return lease;
      },
      (e: unknown) => {
        place.leave();
        throw e;
      },
    );
  }

  /**
   * Add a backend to the manager (config hot reload). `spec` is checked as the constructor checks
   * it (TypeError / RangeError naming `backends.<name>.…`); a name the manager has — or is still
   * removing — is a BackendExistsError. Once the manager is open, the backend's tier starts what it
   * keeps, and this resolves when a hot backend's workers are ready or it failed (failed shows in
   * `stats()`, as at start; it is not a rejection), bounded like `start()` by `signal` and
   * `deadline`/`timeoutMs` (StartInterruptedError; the start goes on). Before `start()`, the
   * backend just joins. After `stop()`: ManagerClosedError.
   */
  async addBackend(name: string, spec: BackendSpec, options: AddBackendOptions = {}): Promise<void> {
    if (this.#closed) throw new ManagerClosedError();
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(`the backend name must be a non-empty string, got ${JSON.stringify(name)}`);
    }
    if (this.#controllers.has(name) || this.#removing.has(name)) {
      throw new BackendExistsError(name, !this.#controllers.has(name));
    }
    const resolved = resolveBackend(name, spec, this.#o.retry);
    checkHotFits([...this.#specs(), resolved], this.#o.budget, name);
    const c = this.#add(resolved);
    this.#events.emit({
      type: 'backend-added',
      backend: name,
      tier: resolved.tier,
      isolation: resolved.isolation,
    });
    if (this.#state === 'created') return; // start() (or the first acquire) opens it
    c.open();
    if (resolved.tier === 'auto') this.#scheduleAuto();
    if (c.tier !== 'hot') return;
    await interruptible(c.settled(), this.#clock, options.signal, this.#deadline(options), (kind, reason) => {
      return new StartInterruptedError(kind, [name], reason);
    });
  }

  /**
   * Remove a backend (config hot reload). At once it takes no new acquires (BackendRemovedError,
   * an UnknownBackendError, as do acquires waiting for one of its workers to start) and is gone
   * from `backends` and `stats().backends`; its idle workers stop, and each leased one at its last
   * release — or when `timeoutMs` (default 0) has passed. Resolves when every process and thread
   * of it has exited; the room it held in the budget is free for starts held back elsewhere.
   * Called again for a backend being removed: the same promise. Unknown name:
   * UnknownBackendError; after `stop()`: ManagerClosedError.
   */
  removeBackend(name: string, options: RemoveBackendOptions = {}): Promise<void> {
    const pending = this.#removing.get(name);
    if (pending) return pending.done;
    if (this.#closed) return Promise.reject(new ManagerClosedError());
    const c = this.#controllers.get(name);
    if (!c) return Promise.reject(new UnknownBackendError(name, this.backends));
    const timeoutMs = options.timeoutMs ?? 0;
    if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
      return Promise.reject(new RangeError(`timeoutMs must be a number ≥ 0, got ${String(timeoutMs)}`));
    }
    this.#controllers.delete(name);
    this.#gates.get(name)?.close(() => new BackendRemovedError(name, this.backends));
    this.#gates.delete(name);
    this.#events.emit({ type: 'backend-removing', backend: name, leases: c.leasesOut, timeoutMs });
    const closed = c.close(timeoutMs, {
      reason: 'backend-removed',
      error: () => new BackendRemovedError(name, this.backends),
      untilReleased: true,
    });
    const done = closed.then((leasesCut) => {
      this.#removing.delete(name);
      this.#events.emit({ type: 'backend-removed', backend: name, leasesCut });
    });
    this.#removing.set(name, { controller: c, done });
    return done;
  }

  /**
   * The session is over: its affinity is forgotten and its per-session workers are stopped (after
   * their last lease is released).
   */
  endSession(session: string): void {
    for (const c of this.#controllers.values()) c.endSession(session);
  }

  /**
   * The principal's last session ended: its per-principal workers are stopped (after their last
   * lease is released). `endSession` leaves per-principal workers alone.
   */
  endPrincipal(principal: string): void {
    for (const c of this.#controllers.values()) c.endPrincipal(principal);
  }

  /** Subscribe to one event type (or `'*'`); returns the unsubscribe function. */
  on<K extends MultiTierEventType>(type: K, listener: (event: MultiTierEventOf<K>) => void): () => void;
  on(type: '*', listener: (event: MultiTierEvent) => void): () => void;
  on(type: MultiTierEventType | '*', listener: (event: never) => void): () => void {
    return this.#events.on(type, listener as (event: MultiTierEvent) => void);
  }

  stats(): ManagerStats {
    const use = this.#use();
    const backends: ManagerStats['backends'] = {};
    for (const c of this.#controllers.values()) backends[c.name] = c.stats();
    return {
      state: this.#state,
      workers: use.workers,
      memoryMb: use.memoryMb,
      budget: { ...this.#o.budget },
      backends,
      removing: [...this.#removing.keys()],
    };
  }

  /** Stop every worker; resolves when every process and thread has exited. */
  stop(options: ManagerStopOptions = {}): Promise<void> {
    this.#stopping ??= this.#stop(options.timeoutMs ?? 0);
    return this.#stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  // ── wiring ────────────────────────────────────────────────────────────────────────────────

  /** A backend's controller and its admission: `concurrency` per worker × `replicas.max` places. */
  #add(spec: ResolvedBackend): BackendController {
    const c = new BackendController(spec, this.#deps);
    this.#controllers.set(spec.name, c);
    const perWorker = spec.concurrency ?? defaultConcurrency(spec.source.kind);
    this.#gates.set(
      spec.name,
      new BackendGate(spec.name, perWorker * Math.max(1, spec.max), spec.queue, this.#clock),
    );
    return c;
  }

  get #closed(): boolean {
    return this.#state === 'stopping' || this.#state === 'stopped';
  }

  /** The specs of the backends (not those being removed). */
  #specs(): ResolvedBackend[] {
    return [...this.#controllers.values()].map((c) => c.spec);
  }

  /** The earlier of `deadline` and now + `timeoutMs`, on the manager's clock. */
  #deadline(options: StartOptions): number | undefined {
    if (options.timeoutMs === undefined) return options.deadline;
    return Math.min(options.deadline ?? Infinity, this.#clock.now() + options.timeoutMs);
  }

  #open(): void {
    if (this.#state !== 'created') return;
    this.#setState('starting');
    for (const c of this.#controllers.values()) c.open();
    this.#scheduleAuto();
    this.#scheduleSample();
  }

  async #stop(drainMs: number): Promise<void> {
    this.#setState('stopping');
    if (this.#autoTimer !== undefined) this.#clock.clearTimeout(this.#autoTimer);
    if (this.#sampleTimer !== undefined) this.#clock.clearTimeout(this.#sampleTimer);
    this.#autoTimer = this.#sampleTimer = undefined;
    for (const gate of this.#gates.values()) gate.close(() => new ManagerClosedError());
    // Removals under way end their drains within this stop's.
    await Promise.all(this.#allControllers().map((c) => c.close(drainMs)));
    await Promise.all([...this.#removing.values()].map((r) => r.done));
    this.#setState('stopped');
  }

  #setState(state: ManagerState): void {
    this.#state = state;
    if (state !== 'created') this.#events.emit({ type: 'manager-state', state });
  }

  /** The controllers with live workers: the backends', and those of backends being removed. */
  #allControllers(): BackendController[] {
    return [...this.#controllers.values(), ...[...this.#removing.values()].map((r) => r.controller)];
  }

  /** What the live workers hold (measured, or estimated until measured), those being removed included. */
  #use(): BudgetUse {
    let workers = 0;
    let memoryMb = 0;
    for (const c of this.#allControllers()) {
      workers += c.live;
      memoryMb += c.memoryMb;
    }
    return { workers, memoryMb };
  }

  /**
   * Room in the budget for one more worker of `c` — counted at what its backend's workers are
   * measured to hold (`workerMemoryMb`); with `evict`, made by stopping idle workers.
   */
  #admit(c: BackendController, evict: boolean): boolean {
    const budget = this.#o.budget;
    const use = this.#use();
    const memoryMb = c.workerMemoryMb;
    if (fits(budget, use, memoryMb)) return true;
    if (!evict) return false;
    const now = this.#clock.now();
    const candidates = [...this.#controllers.values()].flatMap((owner) => {
      const figures = owner.figures();
      return owner.evictable().map((r) => ({
        backend: owner.name,
        workerId: r.id,
        memoryMb: r.memoryMb,
        lastUsedAt: r.lastUsedAt,
        figures,
        replica: r,
        owner,
      }));
    });
    const chosen = chooseEvictions(budget, use, memoryMb, candidates);
    if (!chosen) {
      throw new BudgetExceededError(c.name, {
        workers: use.workers,
        maxWorkers: budget.maxWorkers,
        memoryMb: use.memoryMb,
        maxMemoryMb: budget.maxMemoryMb,
        neededMemoryMb: memoryMb,
      });
    }
    for (const e of chosen as typeof candidates) {
      const f = e.figures;
      this.#events.emit({
        type: 'eviction',
        backend: e.backend,
        workerId: e.workerId,
        forBackend: c.name,
        reason:
          `budget full (${use.workers}/${budget.maxWorkers} workers, ${use.memoryMb}/${budget.maxMemoryMb} MB): ` +
          `least costly idle worker — losing it costs ${f.valueMsPerSec.toFixed(1)} ms/s of waiting, ` +
          `idle ${Math.round(now - e.lastUsedAt)} ms`,
        figures: f,
      });
      e.owner.evict(e.replica);
      // An auto backend that lost a resident worker to the budget is no longer hot.
      if (e.owner.spec.tier === 'auto' && e.owner.tier === 'hot') {
        this.#applyDecision(
          e.owner,
          'warm',
          `evicted for "${c.name}": the budget has no room to keep it hot`,
        );
      }
    }
    return true;
  }

  #roomFreed(): void {
    if (this.#nudgeQueued) return;
    this.#nudgeQueued = true;
    setTimeout(() => {
      this.#nudgeQueued = false;
      if (this.#state !== 'starting' && this.#state !== 'ready') return;
      for (const c of this.#controllers.values()) c.nudge();
    }, 0);
  }

  /**
   * Measure every process worker's resident memory on a timer of the clock while the manager is
   * open. Measures that fell free room: starts held back for want of it may go ahead.
   */
  #scheduleSample(): void {
    const every = this.#o.budget.sampleIntervalMs;
    if (this.#sampleTimer !== undefined || every <= 0 || !Number.isFinite(every)) return;
    const handle = this.#clock.setTimeout(() => {
      this.#sampleTimer = undefined;
      if (this.#state !== 'starting' && this.#state !== 'ready') return;
      const before = this.#use().memoryMb;
      for (const c of this.#allControllers()) c.measureMemory();
      if (this.#use().memoryMb < before && Number.isFinite(this.#o.budget.maxMemoryMb)) this.#roomFreed();
      this.#scheduleSample();
    }, every);
    (handle as { unref?: () => void } | null)?.unref?.();
    this.#sampleTimer = handle;
  }

  /** Run the auto policy on a timer while the manager has an `auto` backend (and is open). */
  #scheduleAuto(): void {
    if (this.#autoTimer !== undefined) return;
    if (![...this.#controllers.values()].some((c) => c.spec.tier === 'auto')) return;
    const handle = this.#clock.setTimeout(() => {
      this.#autoTimer = undefined;
      if (this.#state !== 'starting' && this.#state !== 'ready') return;
      this.#evaluateAuto();
      this.#scheduleAuto();
    }, this.#o.auto.intervalMs);
    (handle as { unref?: () => void } | null)?.unref?.();
    this.#autoTimer = handle;
  }

  /** Run the auto policy once over the auto backends and apply its decisions. */
  #evaluateAuto(): void {
    const now = this.#clock.now();
    const budget = this.#o.budget;
    // Room for auto backends: the budget less what configured hot backends keep resident.
    let workers = budget.maxWorkers;
    let memoryMb = budget.maxMemoryMb;
    const candidates: AutoCandidate[] = [];
    for (const c of this.#controllers.values()) {
      const s = c.spec;
      const resident = residentWhenHot(s.isolation, s.min, s.spares);
      if (s.tier === 'hot') {
        workers -= resident;
        memoryMb -= resident * c.workerMemoryMb;
      } else if (s.tier === 'auto' && !c.failed) {
        candidates.push({
          backend: c.name,
          tier: c.tier,
          since: c.tierSince,
          figures: c.figures(),
          residentWorkers: resident,
        });
      }
    }
    const decisions = this.#policy.decide(candidates, { workers, memoryMb }, now);
    for (const d of decisions) {
      const c = this.#controllers.get(d.backend)!;
      c.setTier(d.to, d.direction);
      this.#events.emit({ type: 'tier-changed', ...d });
    }
  }

  #applyDecision(c: BackendController, to: 'hot' | 'warm' | 'cold', reason: string): void {
    const from = c.tier;
    if (from === to) return;
    const direction = to === 'hot' || (to === 'warm' && from === 'cold') ? 'promotion' : 'demotion';
    c.setTier(to, direction);
    this.#events.emit({
      type: 'tier-changed',
      backend: c.name,
      from,
      to,
      direction,
      reason,
      figures: c.figures(),
    });
  }
}

/** `work`, unless `signal` fires or `deadline` (on `clock`) passes first. */
function interruptible<T>(
  work: Promise<T>,
  clock: Clock,
  signal: AbortSignal | undefined,
  deadline: number | undefined,
  error: (kind: 'timeout' | 'aborted', reason?: unknown) => Error,
): Promise<T> {
  if (!signal && deadline === undefined) return work;
  if (signal?.aborted) return Promise.reject(error('aborted', signal.reason));
  return new Promise<T>((resolve, reject) => {
    let timer: unknown;
    const onAbort = (): void => {
      cleanup();
      reject(error('aborted', signal?.reason));
    };
    const cleanup = (): void => {
      if (timer !== undefined) clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (deadline !== undefined) {
      timer = clock.setTimeout(() => {
        cleanup();
        reject(error('timeout'));
      }, deadline - clock.now());
    }
    work.then(
      (v) => {
        cleanup();
        resolve(v);
      },
      (e: unknown) => {
        cleanup();
        reject(e);
      },
    );
  });
}
