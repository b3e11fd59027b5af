/**
 * A backend is one pool: the worker-pool `WorkerPoolManager` that runs every worker of one backend
 * (spawn, ready hook, ready timeout, JSON-RPC, health checks, stop escalation, per-worker lines of
 * pinned tasks, reservations for sessions and principals). The tier is the pool's `min`: the
 * workers its tier keeps ready (shared) or the spares it keeps (per-session, per-principal — `min`
 * counts unreserved workers) are started by the pool, and replaced by it when one dies, each start
 * asked of the budget (`canStart`); a worker for demand is started on request (`startWorker()`).
 * Idle workers are stopped by the pool too, by the knobs the tier sets (`tune()`: `min`, the idle
 * timeout — 0 for cold, stop at release — and a `min` held by demand for warm spares), on the tier
 * manager's clock; a lease is a hold on its worker (`hold()`), so a leased worker is never idle.
 * The pool does not fail as a whole (a crash loop is the backend's health to judge,
 * `backend-health.ts`, with its one backoff). This file routes the pool's per-worker events to the
 * worker they are about (a `Replica`), and hands the workers the pool started to the tier manager.
 */
import type { Clock } from '@switchyard/flow-balancer';
import {
  type IdleWorkersOptions,
  type JsonRpcMessage,
  type PoolEventOf,
  type PoolWorker,
  WorkerPoolManager,
  type WorkerPoolOptions,
} from '@switchyard/worker-pool';
import { principalOf } from './binding-keys.ts';
import { type BindingRefusedError, isBindingRefusedError } from './errors.ts';
import type { ResolvedBackend } from './spec.ts';

/** What a worker of the pool is told about itself. */
export interface PoolMember {
  /** The manager's id of the worker (what the ready hook and the events name). */
  readonly id: number;
  onPoolReady(startMs: number): void;
  /**
   * It failed (did not start, failed a health check): told at once; its exit follows. `refused`: its
   * `ready` hook or `connect` refused it for its binding alone (`BindingRefusedError`).
   */
  onPoolFailed(event: PoolEventOf<'worker-failed'>, refused?: BindingRefusedError): void;
  onPoolExit(event: PoolEventOf<'worker-exited'>, refused?: BindingRefusedError): void;
  /** The pool stopped it for idleness (its exit follows). */
  onPoolIdle(): void;
  onPoolMessage(message: JsonRpcMessage): void;
}

/** What the tier sets of its pool: what it keeps, and when an idle worker goes. */
export interface PoolKnobs {
  /** Unreserved workers kept ready (shared: the workers; per-session, per-principal: the spares). */
  min: number;
  /** How long an unreserved worker above `min` may stay idle; 0: it goes at its last release. */
  idleTimeoutMs?: number;
  /** `min` is kept only while there was demand (`demand()`) within the idle timeout. */
  minHeldByDemand?: boolean;
}

/** What the pool asks of the tier manager. */
export interface PoolOwner<M extends PoolMember> {
  /** The pool started a worker on its own (to keep `min`): the member for it. */
  adopt(worker: PoolWorker): M;
  /** Room in the budget for one more worker. */
  canStart(): boolean;
  /** The tier manager's clock: idle time and the idle sweep run on it. */
  readonly clock: Clock;
}

const NEVER_MS = 2 ** 31 - 1;

/** Rethrows `e`, after noting a `BindingRefusedError` as worker `workerId`'s (the pool's id). */
function noteRefusal(refused: (workerId: number, e: BindingRefusedError) => void, workerId: number) {
  return (e: unknown): never => {
    if (isBindingRefusedError(e)) refused(workerId, e);
    throw e;
  };
}

function poolOptions(
  spec: ResolvedBackend,
  idOf: (w: PoolWorker) => number,
  canStart: () => boolean,
  refused: (workerId: number, e: BindingRefusedError) => void,
): WorkerPoolOptions {
  const hook = spec.ready;
  const common = {
    min: 0,
    max: spec.max,
    canStart,
    // A dead worker is replaced at once; crash loops and the retry backoff are the backend's
    // health (`backend-health.ts`), which sets `min` to 0 while the backend is failed.
    restart: { maxCrashes: Number.POSITIVE_INFINITY, baseDelayMs: 0, maxDelayMs: 0 },
    idleTimeoutMs: NEVER_MS,
    readyTimeoutMs: spec.readyTimeoutMs,
    stopGraceMs: spec.stopGraceMs,
    killGraceMs: spec.killGraceMs,
    ...(hook && {
      ready: (w: PoolWorker) =>
        Promise.resolve()
          .then(() => hook(w, { backend: spec.name, workerId: idOf(w) }))
          .catch(noteRefusal(refused, w.id)),
    }),
    ...(spec.concurrency !== undefined && { concurrency: spec.concurrency }),
    ...(spec.health !== undefined && { health: spec.health }),
  };
  const s = spec.source;
  if (s.kind === 'thread') return { kind: 'thread', module: s.module, env: s.env, ...common };
  if (s.kind === 'remote') {
    return {
      kind: 'remote',
      // The pool reserves a principal's worker under its binding key: its connection learns whose it is.
      connect: async (workerId, key) => {
        const principal = principalOf(key);
        return await Promise.resolve()
          .then(() => s.connect(workerId, principal === undefined ? {} : { principal }))
          .catch(noteRefusal(refused, workerId));
      },
      ...(s.cancelMessage && { cancelMessage: s.cancelMessage }),
      ...common,
    };
  }
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
  /** Set while `start()` runs: the worker being started is the caller's, not the pool's own. */
  #requested = false;
  /** Workers (by the pool's id) whose `ready` or `connect` refused them for their binding. */
  readonly #refused = new Map<number, BindingRefusedError>();

  constructor(spec: ResolvedBackend, owner: PoolOwner<M>) {
    let pool: WorkerPoolManager | undefined;
    let error: unknown;
    try {
      const idOf = (w: PoolWorker) => this.#members.get(w.id)?.id ?? w.id;
      const refused = (workerId: number, e: BindingRefusedError) => this.#refused.set(workerId, e);
      pool = new WorkerPoolManager({
        ...poolOptions(spec, idOf, () => owner.canStart(), refused),
        idleClock: owner.clock,
      });
    } catch (e) {
      error = e;
    }
    this.pool = pool;
    this.error = error;
    if (!pool) return;
    pool.on('worker-started', (e) => {
      if (this.#requested) return;
      const worker = pool.workers().find((w) => w.id === e.workerId)!;
      this.#members.set(e.workerId, owner.adopt(worker));
    });
    pool.on('worker-failed', (e) =>
      this.#members.get(e.workerId)?.onPoolFailed(e, this.#refused.get(e.workerId)),
    );
    pool.on('worker-ready', (e) => {
      const member = this.#members.get(e.workerId);
      // After the turn that made it ready: a stop from a listener must not run inside the pool's own step.
      if (member) queueMicrotask(() => member.onPoolReady(e.startupMs));
    });
    pool.on('worker-exited', (e) => {
      const member = this.#members.get(e.workerId);
      const refused = this.#refused.get(e.workerId);
      this.#members.delete(e.workerId);
      this.#refused.delete(e.workerId);
      member?.onPoolExit(e, refused);
    });
    pool.on('worker-recycled', (e) => {
      if (e.reason === 'idle') this.#members.get(e.workerId)?.onPoolIdle();
    });
    pool.on('worker-message', (e) => this.#members.get(e.workerId)?.onPoolMessage(e.message));
  }

  /** Start a worker for `member` (reserved for `key`, if given); throws when the pool refuses. */
  start(member: M, key?: string): PoolWorker {
    if (!this.pool) throw this.error;
    this.#requested = true;
    let worker: PoolWorker;
    try {
      worker = this.pool.startWorker(key === undefined ? {} : { key });
    } finally {
      this.#requested = false;
    }
    this.#members.set(worker.id, member);
    return worker;
  }

  /**
   * Set the tier's knobs: keep `min` unreserved workers (the pool starts the missing ones, each
   * asked of the budget) and stop idle ones above it by the idle timeout. Nothing once the pool is
   * stopping.
   */
  tune(knobs: PoolKnobs): void {
    const pool = this.pool;
    if (!pool || (pool.state !== 'running' && pool.state !== 'created')) return;
    pool.resize(knobs);
  }

  /** Demand on the spares now (per-session, per-principal backends): see `WorkerPoolManager.demand`. */
  demand(): void {
    this.pool?.demand();
  }

  /** The idle workers, longest idle first (`WorkerPoolManager.idleWorkers`), as members. */
  idle(options?: IdleWorkersOptions): M[] {
    const out: M[] = [];
    for (const w of this.pool?.idleWorkers(options) ?? []) {
      const m = this.#members.get(w.id);
      if (m) out.push(m);
    }
    return out;
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
