/**
 * `MultiTierPoolManager`: one controller per backend (`backend-controller.ts`), wired to the
 * global budget and its eviction order (`budget.ts`), the auto policy (`auto-policy.ts`, applied
 * here on a timer of the injected clock), the events and the stats. It hands out leases on ready
 * workers; it knows nothing of MCP — the `ready` hook of each backend does the handshake.
 */
import { type Clock, defaultRandom, systemClock } from '@switchyard/flow-balancer';
import { type AutoCandidate, AutoTierPolicy } from './auto-policy.ts';
import { type AcquireOptions, BackendController } from './backend-controller.ts';
import { type BudgetUse, chooseEvictions, fits } from './budget.ts';
import {
  BudgetExceededError,
  ManagerClosedError,
  StartInterruptedError,
  UnknownBackendError,
} from './errors.ts';
import { EventHub, type MultiTierEvent, type MultiTierEventOf, type MultiTierEventType } from './events.ts';
import type { Lease } from './lease.ts';
import { type MultiTierOptions, type ResolvedOptions, resolveOptions } from './spec.ts';
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

export interface ManagerStopOptions {
  /** How long requests in flight may finish before workers are stopped, ms. Default 0. */
  timeoutMs?: number;
}

export class MultiTierPoolManager implements AsyncDisposable {
  readonly #o: ResolvedOptions;
  readonly #clock: Clock;
  readonly #events = new EventHub();
  readonly #controllers = new Map<string, BackendController>();
  readonly #policy: AutoTierPolicy;
  #state: ManagerState = 'created';
  #nextWorkerId = 1;
  #autoTimer: unknown;
  #stopping: Promise<void> | undefined;
  #nudgeQueued = false;

  constructor(options: MultiTierOptions) {
    this.#o = resolveOptions(options);
    this.#clock = options.clock ?? systemClock;
    const random = options.random ?? defaultRandom;
    this.#policy = new AutoTierPolicy(this.#o.auto);
    for (const spec of this.#o.backends) {
      this.#controllers.set(
        spec.name,
        new BackendController(spec, {
          clock: this.#clock,
          random,
          events: this.#events,
          auto: this.#o.auto,
          nextWorkerId: () => this.#nextWorkerId++,
          admit: (c, evict) => this.#admit(c, evict),
        }),
      );
    }
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
    if (this.#state === 'stopping' || this.#state === 'stopped') throw new ManagerClosedError();
    this.#open();
    const hot = [...this.#controllers.values()].filter((c) => c.tier === 'hot');
    const now = this.#clock.now();
    let deadline = options.deadline;
    if (options.timeoutMs !== undefined) deadline = Math.min(deadline ?? Infinity, now + options.timeoutMs);
    const pending = new Set(hot.map((c) => c.name));
    const all = Promise.all(hot.map((c) => c.settled().then(() => pending.delete(c.name))));
    await interruptible(all, this.#clock, options.signal, deadline, (kind, reason) => {
      return new StartInterruptedError(kind, [...pending], reason);
    });
    if (this.#state === 'starting') this.#setState('ready');
    const report: StartReport = { ready: [], failed: [] };
    for (const c of hot) {
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
  acquire(backend: string, options: AcquireOptions = {}): Promise<Lease> {
    const c = this.#controllers.get(backend);
    if (!c) return Promise.reject(new UnknownBackendError(backend, this.backends));
    if (this.#state === 'stopping' || this.#state === 'stopped')
      return Promise.reject(new ManagerClosedError());
    this.#open();
    return c.acquire(options);
  }

  /**
   * The session is over: its affinity is forgotten and its per-session workers are stopped (after
   * their last lease is released).
   */
  endSession(session: string): void {
    for (const c of this.#controllers.values()) c.endSession(session);
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

  #open(): void {
    if (this.#state !== 'created') return;
    this.#setState('starting');
    for (const c of this.#controllers.values()) c.open();
    if (this.#o.backends.some((b) => b.tier === 'auto')) this.#scheduleAuto();
  }

  async #stop(drainMs: number): Promise<void> {
    this.#setState('stopping');
    if (this.#autoTimer !== undefined) this.#clock.clearTimeout(this.#autoTimer);
    this.#autoTimer = undefined;
    await Promise.all([...this.#controllers.values()].map((c) => c.close(drainMs)));
    this.#setState('stopped');
  }

  #setState(state: ManagerState): void {
    this.#state = state;
    if (state !== 'created') this.#events.emit({ type: 'manager-state', state });
  }

  #use(): BudgetUse {
    let workers = 0;
    let memoryMb = 0;
    for (const c of this.#controllers.values()) {
      const n = c.live;
      workers += n;
      memoryMb += n * c.spec.memoryMb;
    }
    return { workers, memoryMb };
  }

  /** Room in the budget for one more worker of `c`; with `evict`, made by stopping idle workers. */
  #admit(c: BackendController, evict: boolean): boolean {
    const budget = this.#o.budget;
    const use = this.#use();
    const memoryMb = c.spec.memoryMb;
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

  #scheduleAuto(): void {
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
        memoryMb -= resident * s.memoryMb;
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
