/**
 * The pool's book of one worker: its runtime, state, and the tasks in flight on it (by the wire id
 * the pool gave each). It turns the runtime's callbacks into calls on its owner, the pool.
 */
import type { ProtocolFaultKind, WorkerLossReason } from './errors.ts';
import type { WorkerKind } from './events.ts';
import type { JsonRpcMessage } from './jsonrpc.ts';
import type { PoolWorker, WorkerState } from './pool-worker.ts';
import type { RunOptions } from './run-options.ts';
import type { ExitInfo, RuntimeSink, WorkerRuntime } from './runtime/types.ts';
import type { Task } from './task.ts';

/** A task as the pool books it: on a worker slot. */
export type SlotTask = Task<WorkerSlot>;

/** What the slot tells the pool. */
export interface SlotOwner {
  slotReady(slot: WorkerSlot): void;
  slotSettled(slot: WorkerSlot, task: SlotTask, ok: boolean, value: unknown): void;
  slotExited(slot: WorkerSlot, info: ExitInfo): void;
  slotMessage(slot: WorkerSlot, message: JsonRpcMessage): void;
  slotFault(slot: WorkerSlot, kind: ProtocolFaultKind, sample: string): void;
  requestOn(slot: WorkerSlot, method: string, params: unknown, options: RunOptions): Promise<unknown>;
}

export class WorkerSlot implements RuntimeSink, PoolWorker {
  state: WorkerState = 'starting';
  runtime!: WorkerRuntime;
  readonly inflight = new Map<number, SlotTask>();
  /** Tasks given to this worker by the queue (direct requests do not count). */
  outstanding = 0;
  tasksGiven = 0;
  /** The key it is reserved for: it takes no task from the pool's queue. */
  key: string | undefined;
  /** Tasks pinned to it waiting for a free slot, oldest first. */
  readonly waiting: SlotTask[] = [];
  /** A drain deadline set by `stopWorker()`. */
  drainTimer: unknown;
  readyAt = 0;
  /** When it last had nothing in hand, on the pool's idle clock. */
  idleSince: number;
  /** Callers holding it (`hold()`): busy for the idle sweep while any. */
  holds = 0;
  /** Set when the pool stopped or killed it (an exit without it is a crash). */
  expectedExit = false;
  /** Killed as a failure (unhealthy, did not start): counted as a crash when killed. */
  crashed = false;
  /** It finished a task: it works, so the restart backoff may start over. */
  proven = false;
  lossReason: WorkerLossReason | undefined;
  lossDetail: string | undefined;
  readyTimer: unknown;
  /** Resolves when the worker has exited. */
  readonly exited: Promise<void>;
  markExited!: () => void;
  /** The seq of the heartbeat awaiting its pong, and what to call with it. */
  #ping: { seq: number; resolve: () => void } | undefined;
  #nextWire = 1;
  #nextPing = 1;

  constructor(
    readonly id: number,
    readonly kind: WorkerKind,
    readonly startedAt: number,
    readonly owner: SlotOwner,
  ) {
    this.idleSince = startedAt;
    this.exited = new Promise((resolve) => {
      this.markExited = resolve;
    });
  }

  get pid(): number | undefined {
    return this.runtime?.pid;
  }

  /** Hand a task to the worker. */
  deliver(task: SlotTask): void {
    const wireId = this.#nextWire++;
    task.wireId = wireId;
    task.slot = this;
    this.inflight.set(wireId, task);
    if (!task.direct) {
      this.outstanding++;
      this.tasksGiven++;
    }
    this.runtime.send(wireId, task.method, task.params, task.transfer);
  }

  /** Take a task off the books (it timed out or was aborted) and tell the worker to stop on it. */
  forget(task: SlotTask, reason: string): void {
    if (this.inflight.delete(task.wireId)) {
      if (!task.direct) this.outstanding--;
      this.runtime.cancel(task.wireId, reason);
    }
  }

  /** Every task still in flight, taken off the books (the worker is gone). */
  takeAll(): SlotTask[] {
    const tasks = [...this.inflight.values()];
    this.inflight.clear();
    this.outstanding = 0;
    return tasks;
  }

  /** Heartbeat: resolves when the worker answers. */
  heartbeat(): Promise<void> {
    const seq = this.#nextPing++;
    return new Promise((resolve) => {
      this.#ping = { seq, resolve };
      this.runtime.ping(seq);
    });
  }

  // RuntimeSink

  onReady(): void {
    this.owner.slotReady(this);
  }

  onSettle(wireId: number, ok: boolean, value: unknown): void {
    const task = this.inflight.get(wireId);
    if (!task) return; // late: it timed out or was cancelled
    this.inflight.delete(wireId);
    if (!task.direct) this.outstanding--;
    this.owner.slotSettled(this, task, ok, value);
  }

  onExit(info: ExitInfo): void {
    this.state = 'exited';
    this.owner.slotExited(this, info);
  }

  onPong(seq: number): void {
    if (this.#ping?.seq === seq) {
      const { resolve } = this.#ping;
      this.#ping = undefined;
      resolve();
    }
  }

  onMessage(message: JsonRpcMessage): void {
    this.owner.slotMessage(this, message);
  }

  onFault(kind: ProtocolFaultKind, sample: string): void {
    this.owner.slotFault(this, kind, sample);
  }

  onLostAnswer(error: Error): void {
    // Only the sole task in flight is certainly the one whose answer it was.
    if (this.inflight.size !== 1) return;
    const [wireId] = this.inflight.keys();
    this.onSettle(wireId!, false, error);
  }

  // PoolWorker

  request<T = unknown>(method: string, params?: unknown, options: RunOptions = {}): Promise<T> {
    return this.owner.requestOn(this, method, params, options) as Promise<T>;
  }

  post(message: JsonRpcMessage): void {
    this.runtime.post(message);
  }

  stderrTail(): string[] {
    return this.runtime?.stderrTail() ?? [];
  }

  rssBytes(): number | undefined {
    return this.runtime?.rssBytes();
  }
}
