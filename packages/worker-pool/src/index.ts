/**
 * `@switchyard/worker-pool` — a pool of thread workers (Bun `Worker`) or stdio process workers
 * (`Bun.spawn`, newline-delimited JSON-RPC) with queueing, cancellation, health checks, crash
 * recovery and graceful drain.
 */
export {
  isNoSuchWorkerError,
  isPoolAtCapacityError,
  isPoolClosedError,
  isPoolFailedError,
  isPoolQueueFullError,
  isProtocolFaultError,
  isTaskAbortedError,
  isTaskFailedError,
  isTaskTimeoutError,
  isUnknownHandlerError,
  isWorkerCrashedError,
  isWorkerPoolError,
  type LineSize,
  NoSuchWorkerError,
  PoolAtCapacityError,
  PoolClosedError,
  PoolFailedError,
  PoolQueueFullError,
  ProtocolFaultError,
  type ProtocolFaultKind,
  TaskAbortedError,
  TaskFailedError,
  type TaskPhase,
  TaskTimeoutError,
  UnknownHandlerError,
  WorkerCrashedError,
  type WorkerLossReason,
  WorkerPoolError,
} from './errors.ts';
export type {
  PoolEvent,
  PoolEventOf,
  PoolEventType,
  PoolState,
  RecycleReason,
  TaskOutcome,
  WorkerInfo,
  WorkerKind,
} from './events.ts';
export type { HistogramSnapshot } from './histogram.ts';
export {
  type CancelMessageFn,
  type JsonRpcFailure,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type JsonRpcSuccess,
  mcpCancelMessage,
} from './jsonrpc.ts';
export type {
  HealthOptions,
  ProcessPoolOptions,
  RemotePoolOptions,
  RestartOptions,
  ThreadPoolOptions,
  WorkerPoolOptions,
} from './options.ts';
export { defaultConcurrency } from './options.ts';
export {
  type IdleWorkersOptions,
  type ReserveOptions,
  type ResizeOptions,
  type StartWorkerOptions,
  type StopOptions,
  type UnreserveOptions,
  WorkerPoolManager,
} from './pool.ts';
export type { PoolWorker, WorkerState } from './pool-worker.ts';
export type { RunOptions } from './run-options.ts';
export type { RemoteTransport } from './runtime/remote-worker.ts';
export { type TransferResult, withTransfer } from './runtime/thread-protocol.ts';
export type { PoolStats } from './stats.ts';

/** What a thread handler gets as its second argument. */
export interface TaskContext {
  /** Aborts when the task is cancelled or times out. */
  readonly signal: AbortSignal;
  readonly taskId: number;
  readonly workerId: number;
  /**
   * Sends `message` (a JSON-RPC notification: progress, a log line) while the task runs; the pool
   * emits it as the worker's `worker-message`. Dropped once the task has settled.
   */
  notify(message: unknown): void;
}
