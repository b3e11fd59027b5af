import type { CancelSignal } from '@switchyard/flow-balancer';

/** What a caller may say about one task. */
export interface RunOptions {
  /**
   * Aborting it rejects the task with TaskAbortedError and, if it runs, cancels it on the worker.
   * An `AbortSignal`, or flow-balancer's cheaper `Cancellation` for a signal made per task.
   */
  signal?: CancelSignal;
  /** Time budget from submission (queue wait + run), ms. Overrides the pool's `taskTimeoutMs`. */
  timeoutMs?: number;
  /** Thread workers: objects to move to the worker instead of copying. */
  transfer?: Bun.Transferable[];
  /**
   * For a picker that hashes keys (flow-balancer's `RendezvousPicker`): tasks with the same key go
   * to the same worker while it has a free slot; when it is full they spill to another.
   */
  affinityKey?: string;
  /**
   * Run on this worker only (pinned): at once when it has a free slot, else in its own line (FIFO,
   * bounded by `timeoutMs` and `signal` like the pool's queue) until one frees. A worker that is
   * not live (or exits before the task runs) rejects it (NoSuchWorkerError / WorkerCrashedError).
   */
  workerId?: number;
  /** Run on the worker reserved for this key (`reserve()`), pinned like `workerId`. */
  key?: string;
}
