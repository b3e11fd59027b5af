/**
 * A backend is one pool: the worker-pool `WorkerPoolManager` that runs every worker of one backend
 * (spawn, ready hook, ready timeout, JSON-RPC, health checks, stop escalation, per-worker lines of
 * pinned tasks, reservations for sessions and principals). The tier manager decides which workers
 * exist — it starts each with `startWorker()` and stops it with `stopWorker()` — so the pool keeps
 * none on its own (`min: 0`), reaps none for idleness, and never fails as a whole (a crash loop is
 * the backend's health to judge, `backend-health.ts`). This file routes the pool's per-worker events
 * to the worker they are about (a `Replica`).
 */
import {
  type JsonRpcMessage,
  type PoolEventOf,
  type PoolWorker,
  WorkerPoolManager,
  type WorkerPoolOptions,
} from '@switchyard/worker-pool';
import type { ResolvedBackend } from './spec.ts';

/** What a worker of the pool is told about itself. */
export interface PoolMember {
  /** The manager's id of the worker (what the ready hook and the events name). */
  readonly id: number;
  onPoolReady(startMs: number): void;
  onPoolExit(event: PoolEventOf<'worker-exited'>): void;
  onPoolMessage(message: JsonRpcMessage): void;
}

const NEVER_MS = 2 ** 31 - 1;

function poolOptions(spec: ResolvedBackend, idOf: (w: PoolWorker) => number): WorkerPoolOptions {
  const hook = spec.ready;
  const common = {
    min: 0,
    max: spec.max,
    // The tier manager replaces workers and judges crash loops (`backend-health.ts`).
    restart: { maxCrashes: Number.POSITIVE_INFINITY },
    idleTimeoutMs: NEVER_MS,
    readyTimeoutMs: spec.readyTimeoutMs,
    stopGraceMs: spec.stopGraceMs,
    killGraceMs: spec.killGraceMs,
    ...(hook && { ready: (w: PoolWorker) => hook(w, { backend: spec.name, workerId: idOf(w) }) }),
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

export class BackendPool<M extends PoolMember = PoolMember> {
  /** The pool; undefined when its options were refused (`error` says why). */
  readonly pool: WorkerPoolManager | undefined;
  readonly error: unknown;
  /** The pool's workers by the pool's id. */
  readonly #members = new Map<number, M>();

  constructor(spec: ResolvedBackend) {
    let pool: WorkerPoolManager | undefined;
    let error: unknown;
    try {
      pool = new WorkerPoolManager(poolOptions(spec, (w) => this.#members.get(w.id)?.id ?? w.id));
    } catch (e) {
      error = e;
    }
    this.pool = pool;
    this.error = error;
    if (!pool) return;
    pool.on('worker-ready', (e) => {
      const member = this.#members.get(e.workerId);
      // After the turn that made it ready: a stop from a listener must not run inside the pool's own step.
      if (member) queueMicrotask(() => member.onPoolReady(e.startupMs));
    });
    pool.on('worker-exited', (e) => {
      const member = this.#members.get(e.workerId);
      this.#members.delete(e.workerId);
      member?.onPoolExit(e);
    });
    pool.on('worker-message', (e) => this.#members.get(e.workerId)?.onPoolMessage(e.message));
  }

  /** Start a worker for `member` (reserved for `key`, if given); throws when the pool refuses. */
  start(member: M, key?: string): PoolWorker {
    if (!this.pool) throw this.error;
    const worker = this.pool.startWorker(key === undefined ? {} : { key });
    this.#members.set(worker.id, member);
    return worker;
  }

  /**
   * Reserve a spare for `key` — an unreserved worker of the pool, its choice (the longest idle
   * ready one, else one starting) — and return it; undefined when there is none (the caller starts
   * one: `start(member, key)`, after the budget said yes).
   */
  reserveSpare(key: string): M | undefined {
    const worker = this.pool?.reserve(key, { start: false });
    return worker && this.#members.get(worker.id);
  }

  /** Stop every worker; resolves when each has exited. */
  stop(): Promise<void> {
    return this.pool ? this.pool.stop({ timeoutMs: 0 }) : Promise.resolve();
  }
}
