/**
 * One worker of a backend, as the tier manager sees it. Each is a worker-pool `WorkerPoolManager`
 * of exactly one worker (min = max = 1) that never restarts on its own (`maxCrashes: 1`): the tier
 * manager decides about every worker — which session owns it, when it stops, what replaces it —
 * and worker-pool runs it (spawn, ready hook, ready timeout, JSON-RPC, health, stop escalation).
 */
import {
  isPoolFailedError,
  type JsonRpcMessage,
  type PoolWorker,
  WorkerPoolManager,
  type WorkerPoolOptions,
} from '@switchyard/worker-pool';
import type { ResolvedBackend, Tier } from './spec.ts';

export type ReplicaState = 'starting' | 'ready' | 'stopping' | 'exited';

/** Why a start failed, as worker-pool told it. */
export interface StartFailure {
  reason: string;
  stderrTail: readonly string[];
  cause: unknown;
}

export interface ReplicaHooks {
  /** It became ready; `startMs` is spawn → ready as worker-pool measured it. */
  onReady(replica: Replica, startMs: number): void;
  /** It could not start. */
  onStartFailed(replica: Replica, failure: StartFailure): void;
  /** It died after being ready (crash, failed health check). */
  onDied(replica: Replica, failure: StartFailure): void;
  /** A process worker sent a message of its own (a notification, a request to the client). */
  onMessage(replica: Replica, message: JsonRpcMessage): void;
}

/** A caller waiting for this replica to be ready. */
export interface ReplicaWaiter {
  ready(replica: Replica): void;
  failed(error: Error): void;
}

const NEVER_IDLE_MS = 2 ** 31 - 1;
const MIB = 1024 * 1024;

function poolOptions(spec: ResolvedBackend, id: number): WorkerPoolOptions {
  const hook = spec.ready;
  const common = {
    min: 1,
    max: 1,
    // One worker, never replaced by the pool: the tier manager replaces it.
    restart: { maxCrashes: 1 },
    idleTimeoutMs: NEVER_IDLE_MS,
    readyTimeoutMs: spec.readyTimeoutMs,
    stopGraceMs: spec.stopGraceMs,
    killGraceMs: spec.killGraceMs,
    ...(hook && { ready: (w: PoolWorker) => hook(w, { backend: spec.name, workerId: id }) }),
    ...(spec.concurrency !== undefined && { concurrency: spec.concurrency }),
    ...(spec.health !== undefined && { health: spec.health }),
  };
  const s = spec.source;
  if (s.kind === 'thread') return { kind: 'thread', module: s.module, env: s.env, ...common };
  return {
    kind: 'process',
    command: s.command,
    args: s.args,
    env: s.env,
    cwd: s.cwd,
    ...(s.cancelMessage && { cancelMessage: s.cancelMessage }),
    ...(s.stderrLines !== undefined && { stderrLines: s.stderrLines }),
    ...common,
  };
}

function failureOf(e: unknown, pool: WorkerPoolManager | undefined): StartFailure {
  if (isPoolFailedError(e)) {
    return { reason: e.lastError ?? e.message.split('\n')[0]!, stderrTail: e.stderrTail, cause: e };
  }
  const reason = e instanceof Error ? e.message : String(e);
  return { reason, stderrTail: pool?.stats().stderrTail ?? [], cause: e };
}

export class Replica {
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
  #worker: PoolWorker | undefined;
  #exited: Promise<void> | undefined;
  /** Leases out now. */
  leases = 0;
  /** Sessions with affinity to it (shared backends): the tie-breaker when leases are equal. */
  affine = 0;
  /** The session it is bound to (per-session backends), from the moment it is claimed. */
  session: string | undefined;
  /** Its session ended: stop it once its last lease is released. */
  sessionEnded = false;
  /** Last release (or ready time), on the manager's clock. */
  lastUsedAt: number;
  /** Callers waiting for it to be ready. */
  readonly waiters = new Set<ReplicaWaiter>();

  constructor(id: number, spec: ResolvedBackend, startedAs: Tier, now: number, hooks: ReplicaHooks) {
    this.id = id;
    this.key = String(id);
    this.backend = spec.name;
    this.startedAs = startedAs;
    this.estimateMb = spec.memoryMb;
    this.lastUsedAt = now;
    this.#hooks = hooks;
    let pool: WorkerPoolManager | undefined;
    try {
      pool = new WorkerPoolManager(poolOptions(spec, id));
    } catch (e) {
      this.#state = 'exited';
      queueMicrotask(() => hooks.onStartFailed(this, failureOf(e, undefined)));
      this.#pool = undefined;
      return;
    }
    this.#pool = pool;
    let startMs = 0;
    const offReady = pool.on('worker-ready', (e) => {
      startMs = e.startupMs;
    });
    pool.on('worker-message', (e) => hooks.onMessage(this, e.message));
    pool.on('pool-state', (e) => {
      if (e.to === 'failed' && this.#state === 'ready') this.#died(e.error);
    });
    pool.start().then(
      () => {
        offReady();
        if (this.#state !== 'starting') return;
        this.#worker = pool.workers()[0];
        this.#state = 'ready';
        hooks.onReady(this, startMs);
      },
      (e: unknown) => {
        offReady();
        if (this.#state !== 'starting') return; // stopped while starting
        this.#state = 'stopping';
        this.#exited = pool.stop({ timeoutMs: 0 }).then(() => {
          this.#state = 'exited';
        });
        hooks.onStartFailed(this, failureOf(e, pool));
      },
    );
  }

  get state(): ReplicaState {
    return this.#state;
  }

  /** Starting or ready: it holds a place in the budget. */
  get live(): boolean {
    return this.#state === 'starting' || this.#state === 'ready';
  }

  /** The worker-pool pool running it (undefined when it could not even be created). */
  get pool(): WorkerPoolManager | undefined {
    return this.#pool;
  }

  /** The worker, once ready. */
  get worker(): PoolWorker | undefined {
    return this.#worker;
  }

  get pid(): number | undefined {
    return this.#worker?.pid ?? this.#pool?.workers()[0]?.pid;
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

  /** Stop it (drain for up to `drainMs`); resolves when its process or thread has exited. */
  stop(drainMs = 0): Promise<void> {
    if (this.#exited) return this.#exited;
    this.#state = 'stopping';
    const pool = this.#pool;
    this.#exited = (pool ? pool.stop({ timeoutMs: drainMs }) : Promise.resolve()).then(() => {
      this.#state = 'exited';
    });
    return this.#exited;
  }

  #died(error: Error | undefined): void {
    const pool = this.#pool!;
    this.#state = 'stopping';
    this.#exited = pool.stop({ timeoutMs: 0 }).then(() => {
      this.#state = 'exited';
    });
    this.#hooks.onDied(this, failureOf(error ?? pool.failure, pool));
  }
}
