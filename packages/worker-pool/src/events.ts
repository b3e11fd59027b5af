/** The pool's typed events and the small hub that delivers them. */
import type { ProtocolFaultKind, WorkerLossReason } from './errors.ts';
import type { JsonRpcMessage } from './jsonrpc.ts';

export type WorkerKind = 'thread' | 'process' | 'remote';

/** `created` → `running` ⇄ `failed`; `running`/`failed` → `draining` → `stopped`. */
export type PoolState = 'created' | 'running' | 'draining' | 'stopped' | 'failed';

export type RecycleReason = 'max-tasks' | 'max-age' | 'memory' | 'unhealthy' | 'idle';

/** A worker's own record, from `workerStats()`. */
export interface WorkerInfo {
  id: number;
  kind: WorkerKind;
  pid: number | undefined;
  state: 'starting' | 'ready' | 'retiring' | 'stopping';
  /** The key it is reserved for (`reserve()`, `startWorker({ key })`). */
  key: string | undefined;
  /** Tasks in flight on it, and tasks pinned to it waiting for a free slot. */
  outstanding: number;
  waiting: number;
  /** Tasks given to it in all. */
  tasksGiven: number;
  /** Spawn → ready, ms (undefined while starting). */
  startupMs: number | undefined;
  /** Since when it has had nothing in flight (pool clock). */
  idleSince: number;
  /** Its process's resident memory now (process workers, where `/proc` tells), bytes. */
  rssBytes: number | undefined;
}

/** How a task ended. */
export type TaskOutcome = 'ok' | 'error' | 'timeout' | 'aborted' | 'crashed' | 'closed' | 'rejected';

export type PoolEvent =
  | { type: 'pool-state'; from: PoolState; to: PoolState; error?: Error }
  | { type: 'worker-started'; workerId: number; kind: WorkerKind; pid: number | undefined }
  | { type: 'worker-ready'; workerId: number; startupMs: number; key?: string }
  | {
      type: 'worker-exited';
      workerId: number;
      code: number | null;
      signal: string | null;
      /** False when the worker went away on its own (a crash, a failed health check or start). */
      expected: boolean;
      error?: string;
      /** Whether it had been ready: false for a worker that failed to start. */
      wasReady: boolean;
      /** Why it went, in words (`exit code 7`, `ready hook failed: …`, `not ready within …`). */
      detail: string;
      /** Its last stderr lines (process workers). */
      stderrTail: readonly string[];
      /** The key it was reserved for. */
      key?: string;
    }
  | { type: 'worker-recycled'; workerId: number; reason: RecycleReason; detail?: string }
  /**
   * A worker failed — it did not get ready in time, its ready hook failed, or it failed a health
   * check — and is being killed: told at once, before the pool replaces it (its `worker-exited`
   * follows when the process or thread is gone).
   */
  | {
      type: 'worker-failed';
      workerId: number;
      reason: 'startup' | 'unhealthy';
      detail: string;
      wasReady: boolean;
      stderrTail: readonly string[];
      key?: string;
    }
  | { type: 'worker-restart-scheduled'; delayMs: number; crashes: number }
  | { type: 'worker-message'; workerId: number; message: JsonRpcMessage }
  | { type: 'protocol-fault'; workerId: number; kind: ProtocolFaultKind; sample: string }
  | { type: 'health-failed'; workerId: number; error: string }
  | { type: 'task-started'; taskId: number; workerId: number; waitMs: number }
  | {
      type: 'task-settled';
      taskId: number;
      workerId: number | undefined;
      outcome: TaskOutcome;
      waitMs: number;
      runMs: number;
      lossReason?: WorkerLossReason;
    };

export type PoolEventType = PoolEvent['type'];
export type PoolEventOf<K extends PoolEventType> = Extract<PoolEvent, { type: K }>;
type Listener = (event: PoolEvent) => void;

export class EventHub {
  readonly #byType = new Map<PoolEventType | '*', Set<Listener>>();
  /** True when someone listens to task events; the hot path builds them only then. */
  taskListeners = false;

  on(type: PoolEventType | '*', listener: Listener): () => void {
    let set = this.#byType.get(type);
    if (!set) {
      set = new Set();
      this.#byType.set(type, set);
    }
    set.add(listener);
    this.#refresh();
    return () => {
      set.delete(listener);
      this.#refresh();
    };
  }

  #refresh(): void {
    const has = (t: PoolEventType | '*') => (this.#byType.get(t)?.size ?? 0) > 0;
    this.taskListeners = has('*') || has('task-started') || has('task-settled');
  }

  emit(event: PoolEvent): void {
    const typed = this.#byType.get(event.type);
    const any = this.#byType.get('*');
    if (typed) for (const l of typed) this.#call(l, event);
    if (any) for (const l of any) this.#call(l, event);
  }

  #call(listener: Listener, event: PoolEvent): void {
    try {
      listener(event);
    } catch (e) {
      // A listener's bug must not break the pool's bookkeeping.
      console.error('@switchyard/worker-pool: an event listener threw', e);
    }
  }
}
