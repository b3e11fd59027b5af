/**
 * One worker of a backend, as the tier manager sees it: a worker of the backend's one pool
 * (`backend-pool.ts`), started by the tier manager — which session owns it, what replaces it — and
 * stopped by it (session end, budget, removal) or, when idle, by the pool, while worker-pool runs
 * it (spawn, ready hook, ready timeout, JSON-RPC, health, stop escalation, idle sweep).
 */
import type { JsonRpcMessage, PoolEventOf, PoolWorker, WorkerPoolManager } from '@switchyard/worker-pool';
import type { BackendPool, PoolMember } from './backend-pool.ts';
import type { BindingRefusedError } from './errors.ts';
import type { ResolvedBackend, Tier } from './spec.ts';

export type ReplicaState = 'starting' | 'ready' | 'stopping' | 'exited';

/** Why a start failed, as worker-pool told it. */
export interface StartFailure {
  reason: string;
  stderrTail: readonly string[];
  cause: unknown;
  /** Its `ready` hook or `connect` refused it for its binding alone (not a fault of the backend). */
  refused?: BindingRefusedError;
}

export interface ReplicaHooks {
  /** It became ready; `startMs` is spawn → ready as worker-pool measured it. */
  onReady(replica: Replica, startMs: number): void;
  /** It could not start. */
  onStartFailed(replica: Replica, failure: StartFailure): void;
  /** It died after being ready (crash, failed health check). */
  onDied(replica: Replica, failure: StartFailure): void;
  /** The pool stopped it for idleness, by the tier's knobs (its exit follows). */
  onIdle(replica: Replica): void;
  /** A process worker sent a message of its own (a notification, a request to the client). */
  onMessage(replica: Replica, message: JsonRpcMessage): void;
}

/** A caller waiting for this replica to be ready. */
export interface ReplicaWaiter {
  ready(replica: Replica): void;
  failed(error: Error): void;
}

const MIB = 1024 * 1024;

function failureOf(e: unknown): StartFailure {
  return { reason: e instanceof Error ? e.message : String(e), stderrTail: [], cause: e };
}

export class Replica implements PoolMember {
  readonly id: number;
  /** `id` as a string: its name in the backend's outlier detector. */
  readonly key: string;
  readonly backend: string;
  /** The tier it was started for (counted in the stats). */
  readonly startedAs: Tier;
  /** Its backend's estimate (`memoryMb`): what it counts until measured, and always on a thread. */
  readonly estimateMb: number;
  /** Its last measured resident memory, MiB (process workers); undefined before the first measure. */
  measuredMb: number | undefined;
  readonly #hooks: ReplicaHooks;
  readonly #pool: WorkerPoolManager | undefined;
  #state: ReplicaState = 'starting';
  readonly #worker: PoolWorker | undefined;
  #exited: Promise<void> | undefined;
  #markExited: (() => void) | undefined;
  /** Leases out now. */
  leases = 0;
  /** Sessions with affinity to it (shared backends): the tie-breaker when leases are equal. */
  affine = 0;
  /** The session it is bound to (per-session backends), from the moment it is claimed. */
  session: string | undefined;
  /** Its session ended: stop it once its last lease is released. */
  sessionEnded = false;
  readonly #bornAt: number;
  /** Callers waiting for it to be ready. */
  readonly waiters = new Set<ReplicaWaiter>();

  /**
   * Starts it in `pool` (reserved there for `key`, if given) — or, given `adopted`, takes a worker
   * the pool started on its own (to keep its `min`). A start the pool refuses (its options, its
   * `max`) is told to `onStartFailed` on the next microtask.
   */
  constructor(
    id: number,
    spec: ResolvedBackend,
    startedAs: Tier,
    now: number,
    hooks: ReplicaHooks,
    pool: BackendPool<Replica>,
    key?: string,
    adopted?: PoolWorker,
  ) {
    this.id = id;
    this.key = String(id);
    this.backend = spec.name;
    this.startedAs = startedAs;
    this.estimateMb = spec.memoryMb;
    this.#bornAt = now;
    this.#hooks = hooks;
    this.#pool = pool.pool;
    let worker: PoolWorker | undefined = adopted;
    try {
      worker ??= pool.start(this, key);
    } catch (e) {
      this.#state = 'exited';
      this.#exited = Promise.resolve();
      queueMicrotask(() => hooks.onStartFailed(this, failureOf(e)));
    }
    this.#worker = worker;
  }

  // ── PoolMember: what the backend's pool tells it ──────────────────────────────────────────

  onPoolReady(startMs: number): void {
    if (this.#state !== 'starting') return; // stopped while starting
    this.#state = 'ready';
    this.#hooks.onReady(this, startMs);
  }

  onPoolFailed(e: PoolEventOf<'worker-failed'>, refused?: BindingRefusedError): void {
    this.#lost({ reason: e.detail, stderrTail: e.stderrTail, cause: refused ?? e.detail, refused });
  }

  onPoolExit(e: PoolEventOf<'worker-exited'>, refused?: BindingRefusedError): void {
    this.#lost({
      reason: e.detail,
      stderrTail: e.stderrTail,
      cause: refused ?? e.error ?? e.detail,
      refused,
    });
    this.#state = 'exited';
    this.#exited ??= Promise.resolve();
    this.#markExited?.();
  }

  /** It failed to start or died (told once): it is going; its exit resolves `stop()`. */
  #lost(failure: StartFailure): void {
    const was = this.#state;
    if (was !== 'starting' && was !== 'ready') return;
    this.#state = 'stopping';
    this.#exited ??= new Promise((resolve) => {
      this.#markExited = resolve;
    });
    if (was === 'starting') this.#hooks.onStartFailed(this, failure);
    else this.#hooks.onDied(this, failure);
  }

  onPoolIdle(): void {
    if (this.#state !== 'ready' && this.#state !== 'starting') return;
    this.#state = 'stopping';
    this.#exited ??= new Promise((resolve) => {
      this.#markExited = resolve;
    });
    this.#hooks.onIdle(this);
  }

  onPoolMessage(message: JsonRpcMessage): void {
    this.#hooks.onMessage(this, message);
  }

  get state(): ReplicaState {
    return this.#state;
  }

  /** Starting or ready: it holds a place in the budget. */
  get live(): boolean {
    return this.#state === 'starting' || this.#state === 'ready';
  }

  /**
   * When it was last used, on the manager's clock: its pool's idle time (its last release, or when
   * it became ready) — the pool's idle sweep, budget eviction and per-principal room read the same.
   */
  get lastUsedAt(): number {
    return this.#worker?.idleSince ?? this.#bornAt;
  }

  /** Its backend's pool (undefined when the pool could not even be created). */
  get pool(): WorkerPoolManager | undefined {
    return this.#pool;
  }

  /** The worker in its backend's pool (undefined when the pool refused to start it). */
  get worker(): PoolWorker | undefined {
    return this.#worker;
  }

  get pid(): number | undefined {
    return this.#worker?.pid;
  }

  /** What it holds for the budget, MiB: the last measure, or the estimate until there is one. */
  get memoryMb(): number {
    return this.measuredMb ?? this.estimateMb;
  }

  /**
   * Measure its resident memory now (a ready process worker: VmRSS of its process, whole MiB
   * rounded up); the measure, or undefined where there is none to take (a thread, a worker not
   * ready, no `/proc`) — the figure it counts is then left as it was.
   */
  measure(): number | undefined {
    if (this.#state !== 'ready') return undefined;
    const bytes = this.#worker?.rssBytes();
    if (bytes === undefined) return undefined;
    this.measuredMb = Math.ceil(bytes / MIB);
    return this.measuredMb;
  }

  /**
   * Hold it in the pool (a lease, or a start not yet handed out): busy for the pool's idle sweep
   * until as many `unhold()`s.
   */
  hold(): void {
    if (this.#worker) this.#pool?.hold(this.#worker.id);
  }

  unhold(): void {
    if (this.#worker) this.#pool?.unhold(this.#worker.id);
  }

  /** Stop it (drain for up to `drainMs`); resolves when its process or thread has exited. */
  stop(drainMs = 0): Promise<void> {
    if (this.#exited) return this.#exited;
    this.#state = 'stopping';
    this.#exited = new Promise((resolve) => {
      this.#markExited = resolve;
    });
    void this.#pool?.stopWorker(this.#worker!.id, { timeoutMs: drainMs });
    return this.#exited;
  }
}
