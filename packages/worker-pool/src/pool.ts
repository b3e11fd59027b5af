/**
 * `WorkerPoolManager`: a pool of workers of one kind. It wires the parts — the queue
 * (`task-queue.ts`), the choice of worker (`worker-chooser.ts`), the runtimes (`runtime/*`),
 * health checks (`health.ts`), the restart policy (`restart-policy.ts`), sizing (`sizing.ts`), the
 * idle rule (`idle-sweeper.ts`: idle workers above `min` stopped, a hold makes a worker busy) and
 * each task's accounting (`settle.ts`: counters, histograms, its one ending) — and keeps one
 * promise: every task settles, exactly once.
 */
import { type Clock, systemClock } from '@switchyard/flow-balancer';
import {
  NoSuchWorkerError,
  PoolAtCapacityError,
  PoolClosedError,
  PoolFailedError,
  PoolQueueFullError,
  type ProtocolFaultKind,
  TaskAbortedError,
  TaskTimeoutError,
  WorkerCrashedError,
  type WorkerLossReason,
} from './errors.ts';
import {
  EventHub,
  type PoolEvent,
  type PoolEventOf,
  type PoolEventType,
  type PoolState,
  type WorkerInfo,
} from './events.ts';
import { HealthMonitor, unref } from './health.ts';
import { IdleSweeper, type IdleWorkersOptions } from './idle-sweeper.ts';
import type { JsonRpcMessage, JsonRpcRequest, JsonRpcResponse } from './jsonrpc.ts';
import { type ResolvedOptions, resolveOptions, type WorkerPoolOptions } from './options.ts';
import { PinnedWait, spareFor } from './pinning.ts';
import type { PoolWorker } from './pool-worker.ts';
import { randomFrom } from './random.ts';
import { RestartPolicy } from './restart-policy.ts';
import type { RunOptions } from './run-options.ts';
import { ProcessWorker } from './runtime/process-worker.ts';
import { RemoteWorker } from './runtime/remote-worker.ts';
import { ThreadWorker } from './runtime/thread-worker.ts';
import type { ExitInfo } from './runtime/types.ts';
import { type Outcome, TaskLedger } from './settle.ts';
import { workersToStart } from './sizing.ts';
import { type PoolCounters, type PoolStats, statsOf, workerInfo } from './stats.ts';
import { DONE, QUEUED, RUNNING, Task } from './task.ts';
import { type DropReason, TaskQueue } from './task-queue.ts';
import { WorkerChooser } from './worker-chooser.ts';
import { type SlotOwner, type SlotTask, WorkerSlot } from './worker-slot.ts';

export interface StopOptions {
  /** How long tasks (queued and running) may take to finish before they are cut off. */
  timeoutMs?: number;
}

export interface StartWorkerOptions {
  /** Reserve the new worker for this key from birth (see `reserve()`). */
  key?: string;
}

export interface ResizeOptions {
  /** Unreserved workers kept running (the spares, where keys reserve workers). */
  min?: number;
  /** Most workers at once (reserved ones included). Lowering it stops none: the excess goes as it idles. */
  max?: number;
  /** How long an unreserved worker above `min` may stay idle (0: it goes as it becomes idle). */
  idleTimeoutMs?: number;
  /** `min` is kept only while there was demand (`demand()`) within `idleTimeoutMs`. */
  minHeldByDemand?: boolean;
}

export type { IdleWorkersOptions } from './idle-sweeper.ts';

export interface ReserveOptions {
  /** Start a new worker for the key when no spare is there (default true); false: undefined instead. */
  start?: boolean;
}

export interface UnreserveOptions {
  /** Stop the worker once its tasks (in flight and pinned) are done, instead of sharing it. */
  stop?: boolean;
}

export class WorkerPoolManager implements SlotOwner {
  readonly #o: ResolvedOptions;
  readonly #clock: Clock;
  /** Idle workers above `min`: stopped by the idle rule, on the idle clock (`idleClock`). */
  readonly #idle: IdleSweeper;
  readonly #events = new EventHub();
  readonly #queue: TaskQueue;
  readonly #chooser: WorkerChooser;
  readonly #restart: RestartPolicy;
  readonly #health: HealthMonitor | undefined;
  readonly #pinned: PinnedWait;
  readonly #slots = new Map<number, WorkerSlot>();
  /** Workers reserved for a key (`reserve()`): they take only tasks pinned to them. */
  readonly #reserved = new Map<string, WorkerSlot>();
  readonly #ledger: TaskLedger;
  readonly #counters: PoolCounters;
  #state: PoolState = 'created';
  #failure: PoolFailedError | undefined;
  #nextTaskId = 1;
  #nextWorkerId = 1;
  #owedRestarts = 0;
  #restartTimer: unknown;
  #sweepTimer: unknown;
  #lastMemoryCheck = 0;
  #lastStderr: string[] = [];
  #lastError: string | undefined;
  #readyWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  #idleWaiters: (() => void)[] = [];
  #stopping: Promise<void> | undefined;

  constructor(options: WorkerPoolOptions) {
    const o = resolveOptions(options);
    this.#o = o;
    this.#clock = options.clock ?? systemClock;
    this.#idle = new IdleSweeper(options.idleClock ?? this.#clock, {
      slots: () => this.#slots.values(),
      options: o,
      active: () => this.#state === 'running' || this.#state === 'draining',
      queued: () => this.#queue.length,
      retire: (slot) => this.#retire(slot, 'idle'),
    });
    this.#ledger = new TaskLedger(this.#clock, this.#events);
    this.#counters = this.#ledger.counters;
    this.#queue = new TaskQueue(o.maxQueue, this.#clock, (task, reason) => this.#dropped(task, reason));
    const random = randomFrom(options.random);
    this.#chooser = new WorkerChooser(o.picker, o.concurrency, this.#clock, random);
    this.#restart = new RestartPolicy(o.restart, this.#clock, random);
    this.#pinned = new PinnedWait(this.#clock, (task, slot, why) => {
      if (why === 'aborted') {
        this.#finish(task, 'aborted', new TaskAbortedError('queued', task.signal?.reason));
      } else {
        this.#finish(task, 'timeout', new TaskTimeoutError(task.timeoutMs ?? 0, 'queued'));
      }
      this.#slotFreed(slot);
    });
    const probe =
      o.health.probe ?? (o.health.heartbeat ? (w: PoolWorker) => (w as WorkerSlot).heartbeat() : undefined);
    if (probe) {
      this.#health = new HealthMonitor({
        clock: this.#clock,
        intervalMs: o.health.intervalMs,
        timeoutMs: o.health.timeoutMs,
        probe,
        workers: () => this.#slots.values(),
        onPass: () => this.#restart.onStable(),
        onFail: (slot, error) => {
          this.#emit({ type: 'health-failed', workerId: slot.id, error });
          this.#kill(slot, 'unhealthy', `health check failed: ${error}`);
        },
      });
    }
  }

  // ── public API ────────────────────────────────────────────────────────────────────────────

  get state(): PoolState {
    return this.#state;
  }

  /** Why the pool is `failed`, with the stderr tail of the last worker. */
  get failure(): PoolFailedError | undefined {
    return this.#failure;
  }

  /** Start `min` workers; resolves when they are ready (rejects if the pool fails first). */
  start(): Promise<void> {
    if (this.#state === 'created') this.#begin();
    if (this.#state === 'failed') return Promise.reject(this.#failure);
    if (this.#state !== 'running') return Promise.reject(new PoolClosedError());
    if (this.#readyCount() >= this.#idle.min()) return Promise.resolve();
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  /**
   * Run one task: thread workers call the exported function `method` with `params` (and a context
   * holding an AbortSignal); process workers send the JSON-RPC request `method` and resolve with
   * its `result` (a JSON-RPC error rejects with TaskFailedError).
   */
  run<T = unknown>(method: string, params?: unknown, options?: RunOptions): Promise<T> {
    return this.#submit(method, params, options, undefined) as Promise<T>;
  }

  /**
   * Process workers: send a caller's JSON-RPC request (its id is replaced on the wire, so callers'
   * ids never collide) and resolve with the response carrying the caller's id back — an error
   * response resolves too. Pool-level failures (timeout, crash, closed) still reject.
   */
  forward(request: JsonRpcRequest, options?: RunOptions): Promise<JsonRpcResponse> {
    if (this.#o.kind === 'thread') {
      return Promise.reject(
        new TypeError('forward() is for process and remote pools; use run() on thread pools'),
      );
    }
    return this.#submit(request.method, request.params, options, request.id) as Promise<JsonRpcResponse>;
  }

  /** Send a message to one process worker: a notification, or the response to its request. */
  send(workerId: number, message: JsonRpcMessage): void {
    const slot = this.#slots.get(workerId);
    if (!slot) throw new RangeError(`no live worker ${workerId}`);
    slot.post(message);
  }

  /** Subscribe to one event type (or `'*'` for all); returns the unsubscribe function. */
  on<K extends PoolEventType>(type: K, listener: (event: PoolEventOf<K>) => void): () => void;
  on(type: '*', listener: (event: PoolEvent) => void): () => void;
  on(type: PoolEventType | '*', listener: (event: never) => void): () => void {
    return this.#events.on(type, listener as (event: PoolEvent) => void);
  }

  /** The workers alive now. */
  workers(): PoolWorker[] {
    return [...this.#slots.values()];
  }

  /**
   * Start one worker now, beyond what sizing asks for (never past `max`: PoolAtCapacityError), and
   * return it at once (`starting`; `worker-ready` tells when it takes tasks — pinned ones wait for
   * it). With `key`, it is reserved for that key from birth. A crash backoff does not hold it back:
   * the caller decided. Unreserved, it joins the shared workers (and the idle sweep) when ready.
   */
  startWorker(options: StartWorkerOptions = {}): PoolWorker {
    this.#open();
    const key = options.key;
    if (key !== undefined && this.#reserved.has(key)) {
      throw new RangeError(`a worker is already reserved for key ${JSON.stringify(key)}`);
    }
    if (this.#liveCount() >= this.#o.max) throw new PoolAtCapacityError(this.#o.max);
    return this.#startWorker(key);
  }

  /**
   * The worker reserved for `key`; else reserve one for it now: an idle ready unreserved worker
   * (the longest idle — a spare), else an unreserved one still starting, else a new one (never past
   * `max`: PoolAtCapacityError) — or, with `start: false`, undefined. A reserved worker takes no
   * task from the pool's queue, only tasks pinned to it (`run(…, { key })` or `{ workerId }`); it
   * is not counted toward `min` (so `min` is the spares kept unreserved: the pool starts a
   * replacement), and the idle sweep leaves it.
   * The reservation ends with `unreserve()` or when the worker exits (its `worker-exited` names
   * the key).
   */
  reserve(key: string): PoolWorker;
  reserve(key: string, options: ReserveOptions): PoolWorker | undefined;
  reserve(key: string, options: ReserveOptions = {}): PoolWorker | undefined {
    const held = this.#reserved.get(key);
    if (held) return held;
    if (typeof key !== 'string') throw new TypeError('key must be a string');
    this.#open();
    const slot = spareFor(this.#slots.values());
    if (!slot) {
      if (options.start === false) return undefined;
      if (this.#liveCount() >= this.#o.max) throw new PoolAtCapacityError(this.#o.max);
      return this.#startWorker(key);
    }
    slot.key = key;
    this.#reserved.set(key, slot);
    this.#chooser.remove(slot);
    this.#ensureWorkers(); // the spares kept unreserved (`min`)
    this.#idle.sweep();
    return slot;
  }

  /** The worker reserved for `key`, if any. */
  reserved(key: string): PoolWorker | undefined {
    return this.#reserved.get(key);
  }

  /**
   * End `key`'s reservation. With `stop`, its worker stops once the tasks in flight on it and
   * pinned to it are done; without, it rejoins the shared workers. False when nothing was reserved.
   */
  unreserve(key: string, options: UnreserveOptions = {}): boolean {
    const slot = this.#reserved.get(key);
    if (!slot) return false;
    this.#reserved.delete(key);
    if (options.stop) {
      this.#drainSlot(slot, Number.POSITIVE_INFINITY);
      return true;
    }
    slot.key = undefined;
    if (slot.state === 'ready') {
      this.#chooser.add(slot);
      this.#slotFreed(slot);
    }
    this.#idle.sweep();
    return true;
  }

  /**
   * Stop one worker: it takes no new task; the ones in flight on it and pinned to it may finish for
   * up to `timeoutMs` (default 0), then are cut off (PoolClosedError; running ones cancelled on the
   * worker) and it is stopped (processes: stdin closed → SIGTERM → SIGKILL). Its reservation ends.
   * Its exit is expected (`worker-exited` with `expected: true`). Resolves when it has exited.
   */
  stopWorker(workerId: number, options: StopOptions = {}): Promise<void> {
    const slot = this.#slots.get(workerId);
    if (!slot) return Promise.resolve();
    if (slot.key !== undefined && this.#reserved.get(slot.key) === slot) this.#reserved.delete(slot.key);
    this.#drainSlot(slot, options.timeoutMs ?? 0);
    this.#idle.sweep();
    return slot.exited;
  }

  /**
   * A caller has worker `workerId` in hand (a tier manager's lease, or a worker it is about to hand
   * out): until as many `unhold()`s, it is busy for the idle sweep, whatever its tasks. False when
   * no such worker is live.
   */
  hold(workerId: number): boolean {
    const slot = this.#slots.get(workerId);
    if (!slot) return false;
    slot.holds++;
    return true;
  }

  /**
   * One hold on `workerId` ends: at the last, its idle time starts now — and an unreserved worker
   * above `min` goes at once when `idleTimeoutMs` is 0.
   */
  unhold(workerId: number): void {
    const slot = this.#slots.get(workerId);
    if (!slot || slot.holds === 0) return;
    if (--slot.holds > 0) return;
    if (slot.inflight.size === 0 && slot.waiting.length === 0) slot.idleSince = this.#idle.clock.now();
    if (slot.key === undefined) this.#idle.freed();
  }

  /**
   * Demand on the spares now: each unreserved worker's idle time counts from now at the earliest,
   * and a `min` held by demand (`minHeldByDemand`) holds for `idleTimeoutMs` from now.
   */
  demand(): void {
    this.#idle.demand();
  }

  /**
   * The idle workers — ready, nothing in hand (no task, no pinned wait, no hold) — longest idle
   * first: unreserved ones (what a budget across pools may take), or with `reserved` the reserved
   * ones; with `beyondMin`, only as many unreserved as live above `min`.
   */
  idleWorkers(options: IdleWorkersOptions = {}): PoolWorker[] {
    return this.#idle.idleWorkers(options);
  }

  /** Each live worker's record: state, key, load, start-up time, resident memory. */
  workerStats(): WorkerInfo[] {
    const out: WorkerInfo[] = [];
    for (const s of this.#slots.values()) if (s.state !== 'exited') out.push(workerInfo(s));
    return out;
  }

  stats(): PoolStats {
    let inFlight = 0;
    for (const s of this.#slots.values()) inFlight += s.inflight.size;
    return statsOf({
      state: this.#state,
      slots: this.#slots.values(),
      queued: this.#queue.length,
      inFlight,
      counters: this.#counters,
      runTime: this.#ledger.runTime.snapshot(),
      waitTime: this.#ledger.waitTime.snapshot(),
      stderrTail: this.#lastStderr,
    });
  }

  /**
   * Change `min` / `max` while running (a tier manager moving a backend between tiers): workers
   * missing to the new `min` start now; above it, idle ones go by the idle sweep (`idleTimeoutMs`).
   * A bad value throws RangeError naming it.
   */
  resize(options: ResizeOptions): void {
    const min = options.min ?? this.#o.min;
    const max = options.max ?? this.#o.max;
    const idleTimeoutMs = options.idleTimeoutMs ?? this.#o.idleTimeoutMs;
    if (!Number.isInteger(min) || min < 0) throw new RangeError(`min must be an integer ≥ 0 (got ${min})`);
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be an integer ≥ 1 (got ${max})`);
    if (max < min) throw new RangeError(`max (${max}) must be ≥ min (${min})`);
    if (typeof idleTimeoutMs !== 'number' || !(idleTimeoutMs >= 0)) {
      throw new RangeError(`idleTimeoutMs must be ≥ 0 (got ${idleTimeoutMs})`);
    }
    this.#o.min = min;
    this.#o.max = max;
    this.#o.idleTimeoutMs = idleTimeoutMs;
    if (options.minHeldByDemand !== undefined) this.#o.minHeldByDemand = options.minHeldByDemand;
    if (this.#state === 'created') this.#begin();
    else this.#ensureWorkers();
    this.#idle.sweep();
  }

  /** Start what sizing asks for now: after `canStart` held a start back and room came free. */
  refill(): void {
    this.#ensureWorkers();
  }

  /** Leave the `failed` state: forget the crashes and start `min` workers again. */
  reset(): Promise<void> {
    if (this.#state !== 'failed') return this.start();
    this.#restart.reset();
    this.#failure = undefined;
    this.#setState('running');
    this.#health?.start();
    this.#scheduleSweep();
    this.#ensureWorkers();
    this.#idle.sweep();
    return this.start();
  }

  /**
   * Drain and stop: refuse new tasks, let queued and running ones finish for up to `timeoutMs`
   * (default `drainTimeoutMs`), cut off what is left (PoolClosedError; running tasks are cancelled
   * on their worker), then stop every worker (processes: close stdin → SIGTERM → SIGKILL).
   * Resolves when every worker has exited.
   */
  stop(options: StopOptions = {}): Promise<void> {
    this.#stopping ??= this.#stop(options.timeoutMs ?? this.#o.drainTimeoutMs);
    return this.#stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  // ── tasks ─────────────────────────────────────────────────────────────────────────────────

  #submit(
    method: string,
    params: unknown,
    options: RunOptions | undefined,
    callerId: JsonRpcRequest['id'] | undefined,
  ): Promise<unknown> {
    const state = this.#state;
    if (state !== 'running') {
      if (state === 'created') this.#begin();
      else return Promise.reject(state === 'failed' ? this.#failure : new PoolClosedError());
    }
    if (typeof method !== 'string') return Promise.reject(new TypeError('method must be a string'));
    let task: SlotTask;
    try {
      task = this.#newTask(method, params, options, callerId, false);
    } catch (e) {
      return Promise.reject(e);
    }
    if (task.state === DONE) return task.promise;
    if (options !== undefined && (options.workerId !== undefined || options.key !== undefined)) {
      this.#submitPinned(task, options);
      return task.promise;
    }
    if (this.#queue.length === 0) {
      const slot = this.#chooser.choose(task.affinityKey);
      if (slot) {
        this.#dispatch(task, slot);
        return task.promise;
      }
    }
    if (!this.#queue.push(task)) {
      this.#finish(task, 'rejected', new PoolQueueFullError(this.#o.maxQueue));
      return task.promise;
    }
    this.#ensureWorkers();
    return task.promise;
  }

  /** A task for one worker: run now if it has room, else wait in its own line. */
  #submitPinned(task: SlotTask, options: RunOptions): void {
    const slot =
      options.key !== undefined ? this.#reserved.get(options.key) : this.#slots.get(options.workerId!);
    if (
      !slot ||
      (options.workerId !== undefined && slot.id !== options.workerId) ||
      (slot.state !== 'starting' && slot.state !== 'ready')
    ) {
      const target = options.key !== undefined ? { key: options.key } : { workerId: options.workerId! };
      this.#finish(task, 'rejected', new NoSuchWorkerError(target));
      return;
    }
    if (slot.state === 'ready' && slot.waiting.length === 0 && slot.outstanding < this.#o.concurrency) {
      this.#dispatch(task, slot);
      return;
    }
    this.#pinned.wait(task, slot); // its worker's own line, bounded by its deadline and signal
  }

  /** Reject the tasks pinned to `slot` still waiting. */
  #rejectWaiting(slot: WorkerSlot, error: () => Error, outcome: Outcome): void {
    for (const task of slot.waiting.splice(0)) {
      this.#pinned.end(task);
      this.#finish(task, outcome, error());
    }
  }

  /** `slot` is lost: its running tasks fail (delivered), and so do those pinned to it (not delivered). */
  #crashTasks(slot: WorkerSlot, reason: WorkerLossReason, detail: string): void {
    for (const task of slot.takeAll()) {
      this.#finish(task, 'crashed', new WorkerCrashedError(slot.id, true, reason, detail), reason);
    }
    this.#rejectWaiting(slot, () => new WorkerCrashedError(slot.id, false, reason, detail), 'crashed');
  }

  /** `slot` is being stopped: its pinned tasks and running ones (cancelled on it) end with PoolClosedError. */
  #closeTasks(slot: WorkerSlot, cancelReason: string): void {
    this.#rejectWaiting(slot, () => new PoolClosedError(false), 'closed');
    for (const task of slot.takeAll()) {
      slot.runtime.cancel(task.wireId, cancelReason);
      this.#finish(task, 'closed', new PoolClosedError(true));
    }
  }

  /**
   * Take no new task on `slot`; stop it once what is in flight and pinned to it is done, or after
   * `timeoutMs` cut that off (PoolClosedError) and stop it.
   */
  #drainSlot(slot: WorkerSlot, timeoutMs: number): void {
    if (slot.state === 'stopping' || slot.state === 'exited') return;
    this.#chooser.remove(slot);
    if (slot.state === 'starting' || timeoutMs <= 0) {
      this.#cutOff(slot);
      return;
    }
    slot.state = 'retiring';
    if (slot.inflight.size === 0 && slot.waiting.length === 0) {
      this.#stopSlot(slot);
      return;
    }
    if (timeoutMs !== Number.POSITIVE_INFINITY) {
      slot.drainTimer = this.#clock.setTimeout(() => {
        slot.drainTimer = undefined;
        this.#cutOff(slot);
      }, timeoutMs);
    }
  }

  /** End what is on `slot` (PoolClosedError; running tasks cancelled on it) and stop it. */
  #cutOff(slot: WorkerSlot): void {
    if (slot.state === 'stopping' || slot.state === 'exited') return;
    this.#closeTasks(slot, 'worker stopped');
    this.#stopSlot(slot);
    this.#checkIdle();
  }

  /** Begin (from `created`), or throw why tasks are refused. */
  #open(): void {
    if (this.#state === 'created') this.#begin();
    if (this.#state === 'failed') throw this.#failure;
    if (this.#state !== 'running') throw new PoolClosedError();
  }

  /** Workers starting or ready. */
  #liveCount(): number {
    let n = 0;
    for (const s of this.#slots.values()) if (s.state === 'starting' || s.state === 'ready') n++;
    return n;
  }

  #newTask(
    method: string,
    params: unknown,
    options: RunOptions | undefined,
    callerId: JsonRpcRequest['id'] | undefined,
    direct: boolean,
  ): SlotTask {
    const now = this.#clock.now();
    const timeoutMs = options?.timeoutMs ?? this.#o.taskTimeoutMs;
    const signal = options?.signal;
    const task = new Task<WorkerSlot>(
      this.#nextTaskId++,
      method,
      params,
      now,
      signal,
      timeoutMs,
      options?.transfer,
      options?.affinityKey,
      callerId,
      direct,
    );
    if (timeoutMs !== undefined) {
      if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0 (got ${timeoutMs})`);
      task.deadline = now + timeoutMs;
    }
    if (signal?.aborted) this.#finish(task, 'aborted', new TaskAbortedError('queued', signal.reason));
    return task;
  }

  #dispatch(task: SlotTask, slot: WorkerSlot): void {
    const now = this.#clock.now();
    task.state = RUNNING;
    task.startedAt = now;
    if (task.deadline !== Number.POSITIVE_INFINITY) {
      task.timer = this.#clock.setTimeout(() => this.#timedOut(task), Math.max(0, task.deadline - now));
    }
    const signal = task.signal;
    if (signal) {
      task.onAbort = () => this.#abortRunning(task);
      signal.addEventListener('abort', task.onAbort, { once: true });
    }
    slot.deliver(task);
    if (task.direct) return;
    this.#ledger.started(task, slot, now);
    if (slot.tasksGiven >= this.#o.maxTasksPerWorker) this.#retire(slot, 'max-tasks');
  }

  /** Settle a task once; later calls do nothing. */
  #finish(task: SlotTask, outcome: Outcome, value: unknown, lossReason?: WorkerLossReason): void {
    this.#ledger.finish(task, outcome, value, lossReason);
  }

  #dropped(task: SlotTask, reason: DropReason): void {
    if (reason === 'aborted')
      this.#finish(task, 'aborted', new TaskAbortedError('queued', task.signal?.reason));
    else this.#finish(task, 'timeout', new TaskTimeoutError(task.timeoutMs ?? 0, 'queued'));
    this.#checkIdle();
  }

  #timedOut(task: SlotTask): void {
    task.timer = undefined;
    const slot = task.slot!;
    slot.forget(task, 'timeout');
    this.#finish(task, 'timeout', new TaskTimeoutError(task.timeoutMs ?? 0, 'running'));
    this.#slotFreed(slot, !task.direct);
  }

  #abortRunning(task: SlotTask): void {
    task.onAbort = undefined;
    const slot = task.slot!;
    const reason = task.signal?.reason;
    slot.forget(task, reason instanceof Error ? reason.message : String(reason ?? 'aborted'));
    this.#finish(task, 'aborted', new TaskAbortedError('running', reason));
    this.#slotFreed(slot, !task.direct);
  }

  /**
   * A slot on `slot` came free: give it queued work, retire it if due, notice idleness. `used`:
   * what ended was a task given to it — a direct request (a health probe, a ready hook's, a
   * holder's own) is not use, so it does not restart its idle time.
   */
  #slotFreed(slot: WorkerSlot, used = true): void {
    const max = this.#o.concurrency;
    const waiting = slot.waiting;
    if (waiting.length > 0 && (slot.state === 'ready' || slot.state === 'retiring')) {
      while (slot.outstanding < max && waiting.length > 0) {
        const next = waiting.shift()!;
        if (next.state !== QUEUED) continue;
        this.#pinned.end(next);
        this.#dispatch(next, slot);
      }
    }
    if (slot.state === 'ready' && slot.key === undefined) {
      while (slot.outstanding < max && this.#queue.length > 0) {
        const next = this.#queue.shift();
        if (!next) break;
        if (next.state !== QUEUED) continue;
        this.#dispatch(next, slot);
        if (slot.state !== 'ready') break;
      }
    }
    if (slot.inflight.size === 0 && waiting.length === 0) {
      if (used) slot.idleSince = this.#idle.clock.now();
      if (slot.state === 'retiring') this.#stopSlot(slot);
      else if (slot.holds === 0 && slot.key === undefined) this.#idle.freed();
    }
    if (this.#idleWaiters.length > 0) this.#checkIdle();
  }

  // ── SlotOwner: what the workers tell the pool ─────────────────────────────────────────────

  slotReady(slot: WorkerSlot): void {
    if (slot.state !== 'starting') return;
    const hook = this.#o.ready;
    if (!hook) {
      this.#markReady(slot);
      return;
    }
    Promise.resolve()
      .then(() => hook(slot))
      .then(
        () => this.#markReady(slot),
        (e: unknown) =>
          this.#kill(slot, 'startup', `ready hook failed: ${e instanceof Error ? e.message : e}`),
      );
  }

  slotSettled(slot: WorkerSlot, task: SlotTask, ok: boolean, value: unknown): void {
    this.#finish(task, ok ? 'ok' : 'error', value);
    if (!task.direct) {
      if (ok && !slot.proven) {
        slot.proven = true;
        this.#restart.onStable();
      }
      this.#chooser.observe(slot, this.#clock.now() - task.startedAt);
    }
    this.#slotFreed(slot, !task.direct);
  }

  slotExited(slot: WorkerSlot, info: ExitInfo): void {
    if (slot.readyTimer !== undefined) this.#clock.clearTimeout(slot.readyTimer as never);
    if (slot.drainTimer !== undefined) this.#clock.clearTimeout(slot.drainTimer as never);
    this.#slots.delete(slot.id);
    const key = slot.key;
    if (key !== undefined && this.#reserved.get(key) === slot) this.#reserved.delete(key);
    this.#chooser.remove(slot);
    const tail = slot.stderrTail();
    if (tail.length > 0) this.#lastStderr = tail;
    const crashed = !slot.expectedExit;
    const reason: WorkerLossReason =
      slot.lossReason ??
      (!crashed ? 'stopped' : slot.readyAt === 0 ? 'startup' : info.error ? 'error' : 'exit');
    const detail =
      slot.lossDetail ?? info.error ?? (info.signal ? `signal ${info.signal}` : `exit code ${info.code}`);
    this.#crashTasks(slot, reason, detail);
    this.#emit({
      type: 'worker-exited',
      workerId: slot.id,
      code: info.code,
      signal: info.signal,
      expected: !crashed && !slot.crashed,
      ...(info.error !== undefined && { error: info.error }),
      wasReady: slot.readyAt !== 0,
      detail,
      stderrTail: tail,
      ...(key !== undefined && { key }),
    });
    slot.markExited();
    if (crashed) this.#crashed(detail);
    this.#ensureWorkers();
    this.#idle.sweep();
    this.#checkIdle();
  }

  slotMessage(slot: WorkerSlot, message: JsonRpcMessage): void {
    this.#emit({ type: 'worker-message', workerId: slot.id, message });
  }

  slotFault(slot: WorkerSlot, kind: ProtocolFaultKind, sample: string): void {
    this.#counters.protocolFaults++;
    this.#emit({ type: 'protocol-fault', workerId: slot.id, kind, sample });
  }

  requestOn(slot: WorkerSlot, method: string, params: unknown, options: RunOptions): Promise<unknown> {
    if (slot.state === 'stopping' || slot.state === 'exited') {
      return Promise.reject(new WorkerCrashedError(slot.id, false, 'stopped'));
    }
    let task: SlotTask;
    try {
      task = this.#newTask(method, params, options, undefined, true);
    } catch (e) {
      return Promise.reject(e);
    }
    if (task.state !== DONE) this.#dispatch(task, slot);
    return task.promise;
  }

  // ── workers ───────────────────────────────────────────────────────────────────────────────

  #begin(): void {
    this.#setState('running');
    this.#health?.start();
    this.#scheduleSweep();
    this.#ensureWorkers();
  }

  #readyCount(): number {
    return this.#chooser.size;
  }

  /** Start what sizing asks for, unless a crash backoff is running. */
  #ensureWorkers(): void {
    const state = this.#state;
    if (state !== 'running' && state !== 'draining') return;
    let live = 0;
    let starting = 0;
    let freeSlots = 0;
    let reservedLive = 0;
    for (const s of this.#slots.values()) {
      if (s.key !== undefined) {
        if (s.state === 'starting' || s.state === 'ready') reservedLive++;
        continue;
      }
      if (s.state === 'starting') {
        live++;
        starting++;
      } else if (s.state === 'ready') {
        live++;
        freeSlots += Math.max(0, this.#o.concurrency - s.outstanding);
      }
    }
    const n = workersToStart({
      live,
      starting,
      freeSlots,
      queued: this.#queue.length,
      concurrency: this.#o.concurrency,
      min: state === 'running' ? this.#idle.min() : 0,
      max: Math.max(0, this.#o.max - reservedLive),
    });
    if (n <= 0) return;
    const wait = this.#restart.waitMs();
    if (wait > 0) {
      this.#restartTimer ??= this.#clock.setTimeout(() => {
        this.#restartTimer = undefined;
        this.#ensureWorkers();
      }, wait);
      return;
    }
    const canStart = this.#o.canStart;
    for (let i = 0; i < n; i++) {
      if (canStart && !canStart()) return;
      this.#startWorker(undefined);
    }
  }

  #startWorker(key: string | undefined): WorkerSlot {
    const o = this.#o;
    const slot = new WorkerSlot(this.#nextWorkerId++, o.kind, this.#clock.now(), this);
    slot.idleSince = this.#idle.clock.now();
    this.#slots.set(slot.id, slot);
    if (key !== undefined) {
      slot.key = key;
      this.#reserved.set(key, slot);
    }
    this.#counters.started++;
    if (this.#owedRestarts > 0) {
      this.#owedRestarts--;
      this.#counters.restarts++;
    }
    try {
      slot.runtime =
        o.kind === 'thread'
          ? new ThreadWorker({ workerId: slot.id, ...o.thread! }, slot)
          : o.kind === 'process'
            ? new ProcessWorker(o.process!, slot.id, slot)
            : new RemoteWorker(o.remote!, slot.id, slot, key);
    } catch (e) {
      slot.runtime = deadRuntime;
      queueMicrotask(() => slot.onExit({ code: null, signal: null, error: String(e) }));
    }
    slot.readyTimer = this.#clock.setTimeout(() => {
      slot.readyTimer = undefined;
      if (slot.state === 'starting') this.#kill(slot, 'startup', `not ready within ${o.readyTimeoutMs} ms`);
    }, o.readyTimeoutMs);
    this.#emit({ type: 'worker-started', workerId: slot.id, kind: o.kind, pid: slot.pid });
    // A new live worker may put the pool above `min`: its releases then look for idle ones.
    if (key === undefined) this.#idle.sweep();
    return slot;
  }

  #markReady(slot: WorkerSlot): void {
    if (slot.state !== 'starting') return;
    if (slot.readyTimer !== undefined) this.#clock.clearTimeout(slot.readyTimer as never);
    slot.readyTimer = undefined;
    const now = this.#clock.now();
    slot.state = 'ready';
    slot.readyAt = now;
    slot.idleSince = this.#idle.clock.now();
    const key = slot.key;
    if (key === undefined) this.#chooser.add(slot);
    this.#emit({
      type: 'worker-ready',
      workerId: slot.id,
      startupMs: now - slot.startedAt,
      ...(key !== undefined && { key }),
    });
    if (this.#state !== 'running' && this.#state !== 'draining') {
      this.#stopSlot(slot);
      return;
    }
    this.#slotFreed(slot);
    if (key === undefined) this.#idle.sweep();
    if (this.#readyWaiters.length > 0 && this.#readyCount() >= this.#idle.min()) {
      for (const w of this.#readyWaiters.splice(0)) w.resolve();
    }
  }

  /** Take no new tasks; stop once the ones in flight are done; start a replacement if needed. */
  #retire(slot: WorkerSlot, reason: 'max-tasks' | 'max-age' | 'memory' | 'idle', detail?: string): void {
    if (slot.state !== 'ready') return;
    slot.state = 'retiring';
    this.#chooser.remove(slot);
    this.#emit({ type: 'worker-recycled', workerId: slot.id, reason, ...(detail && { detail }) });
    if (slot.inflight.size === 0) this.#stopSlot(slot);
    if (reason !== 'idle') this.#ensureWorkers();
  }

  /** Graceful stop of one worker (its exit is expected). */
  #stopSlot(slot: WorkerSlot): void {
    if (slot.state === 'stopping' || slot.state === 'exited') return;
    slot.state = 'stopping';
    slot.expectedExit = true;
    this.#chooser.remove(slot);
    void slot.runtime.stop(this.#o.stopGraceMs, this.#o.killGraceMs);
  }

  /**
   * Stop a worker at once: its tasks are rejected now (WorkerCrashedError, delivered) and the
   * process is killed (SIGTERM, then SIGKILL). Unhealthy and start-up failures count as crashes.
   */
  #kill(slot: WorkerSlot, reason: WorkerLossReason, detail: string): void {
    if (slot.state === 'stopping' || slot.state === 'exited') return;
    if (reason === 'unhealthy') {
      this.#emit({ type: 'worker-recycled', workerId: slot.id, reason: 'unhealthy', detail });
    }
    slot.state = 'stopping';
    slot.lossReason = reason;
    slot.lossDetail = detail;
    slot.crashed = reason === 'unhealthy' || reason === 'startup';
    slot.expectedExit = true;
    this.#chooser.remove(slot);
    this.#crashTasks(slot, reason, detail);
    if (slot.crashed) {
      const key = slot.key;
      this.#emit({
        type: 'worker-failed',
        workerId: slot.id,
        reason: reason as 'startup' | 'unhealthy',
        detail,
        wasReady: slot.readyAt !== 0,
        stderrTail: slot.stderrTail(),
        ...(key !== undefined && { key }),
      });
    }
    void slot.runtime.stop(0, this.#o.killGraceMs);
    if (slot.crashed) this.#crashed(detail);
    this.#ensureWorkers();
    this.#checkIdle();
  }

  #crashed(detail: string): void {
    this.#counters.crashes++;
    this.#lastError = detail;
    // While draining, a crash is counted but does not fail the pool: it is stopping anyway.
    if (this.#state !== 'running') return;
    const decision = this.#restart.onCrash();
    if (decision.kind === 'fail') {
      this.#fail(decision.crashes);
      return;
    }
    this.#owedRestarts++;
    this.#emit({ type: 'worker-restart-scheduled', delayMs: decision.delayMs, crashes: decision.crashes });
  }

  #fail(crashes: number): void {
    const failure = new PoolFailedError(crashes, this.#o.restart.windowMs, this.#lastStderr, this.#lastError);
    this.#failure = failure;
    this.#owedRestarts = 0;
    this.#setState('failed', failure);
    this.#health?.stop();
    this.#clearTimers();
    for (const task of this.#queue.drain()) this.#finish(task, 'rejected', failure);
    for (const slot of [...this.#slots.values()]) this.#kill(slot, 'stopped', 'the pool failed');
    for (const w of this.#readyWaiters.splice(0)) w.reject(failure);
  }

  // ── sweeps: idle scale-down, age, memory ──────────────────────────────────────────────────

  #scheduleSweep(): void {
    if (this.#sweepTimer !== undefined) return;
    const o = this.#o;
    const every = Math.max(5, Math.min(1000, o.maxAgeMs / 2, o.memoryCheckIntervalMs));
    this.#sweepTimer = unref(
      this.#clock.setTimeout(() => {
        this.#sweepTimer = undefined;
        if (this.#state !== 'running' && this.#state !== 'draining') return;
        this.#sweep();
        this.#scheduleSweep();
      }, every),
    );
  }

  #sweep(): void {
    const o = this.#o;
    const now = this.#clock.now();
    const checkMemory =
      o.maxRssBytes !== Number.POSITIVE_INFINITY && now - this.#lastMemoryCheck >= o.memoryCheckIntervalMs;
    if (checkMemory) this.#lastMemoryCheck = now;
    for (const slot of this.#slots.values()) {
      if (slot.state !== 'ready') continue;
      if (slot.key === undefined && now - slot.startedAt >= o.maxAgeMs) {
        this.#retire(slot, 'max-age');
        continue;
      }
      if (checkMemory) {
        const rss = slot.runtime.rssBytes();
        if (rss !== undefined && rss > o.maxRssBytes) {
          this.#retire(slot, 'memory', `RSS ${rss} bytes > ${o.maxRssBytes}`);
        }
      }
    }
  }

  // ── stop ──────────────────────────────────────────────────────────────────────────────────

  async #stop(timeoutMs: number): Promise<void> {
    const was = this.#state;
    if (was === 'stopped') return;
    this.#setState('draining');
    this.#health?.stop();
    if (was !== 'failed' && timeoutMs > 0 && !this.#isIdle()) {
      await new Promise<void>((resolve) => {
        const timer = this.#clock.setTimeout(resolve, timeoutMs);
        this.#idleWaiters.push(() => {
          this.#clock.clearTimeout(timer);
          resolve();
        });
        this.#checkIdle();
      });
    }
    // Cut off what is left.
    this.#idleWaiters = [];
    this.#clearTimers();
    for (const task of this.#queue.drain()) this.#finish(task, 'closed', new PoolClosedError(false));
    const exits: Promise<void>[] = [];
    for (const slot of this.#slots.values()) {
      this.#closeTasks(slot, 'pool stopped');
      exits.push(slot.exited);
      this.#stopSlot(slot);
    }
    for (const w of this.#readyWaiters.splice(0)) w.reject(new PoolClosedError());
    await Promise.all(exits);
    // Workers started while we waited (none should be, but never leave one behind).
    while (this.#slots.size > 0) {
      const left = [...this.#slots.values()];
      for (const slot of left) this.#stopSlot(slot);
      await Promise.all(left.map((s) => s.exited));
    }
    this.#setState('stopped');
  }

  #isIdle(): boolean {
    if (this.#queue.length > 0) return false;
    for (const s of this.#slots.values()) if (s.inflight.size > 0 || s.waiting.length > 0) return false;
    return true;
  }

  #checkIdle(): void {
    if (this.#idleWaiters.length === 0 || !this.#isIdle()) return;
    for (const w of this.#idleWaiters.splice(0)) w();
  }

  #clearTimers(): void {
    if (this.#restartTimer !== undefined) this.#clock.clearTimeout(this.#restartTimer as never);
    if (this.#sweepTimer !== undefined) this.#clock.clearTimeout(this.#sweepTimer as never);
    this.#restartTimer = undefined;
    this.#sweepTimer = undefined;
    this.#idle.stop();
  }

  #setState(to: PoolState, error?: Error): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    this.#emit({ type: 'pool-state', from, to, ...(error && { error }) });
  }

  #emit(event: PoolEvent): void {
    this.#events.emit(event);
  }
}

/** The runtime of a worker whose runtime could not be created: it is already gone. */
const deadRuntime: WorkerSlot['runtime'] = {
  pid: undefined,
  send() {},
  cancel() {},
  ping() {},
  post() {},
  stop: () => Promise.resolve(),
  stderrTail: () => [],
  rssBytes: () => undefined,
};
