/** The view of one worker that ready hooks, health probes and callers get. */
import type { WorkerKind } from './events.ts';
import type { JsonRpcMessage } from './jsonrpc.ts';
import type { RunOptions } from './run-options.ts';

/**
 * `starting` (spawned, not yet ready) → `ready` (takes tasks) → `retiring` (takes no new tasks,
 * finishes its own) → `stopping` → `exited`.
 */
export type WorkerState = 'starting' | 'ready' | 'retiring' | 'stopping' | 'exited';

export interface PoolWorker {
  readonly id: number;
  readonly kind: WorkerKind;
  /** The process id (process workers). */
  readonly pid: number | undefined;
  readonly state: WorkerState;
  /** The key it is reserved for (`reserve()`): it takes only tasks pinned to it. */
  readonly key: string | undefined;
  /** Tasks from the queue in flight on it. */
  readonly outstanding: number;
  /**
   * When it last had nothing in hand — its last task done, its last hold released (`hold()`) — on
   * the pool's idle clock; direct requests (`request()`) do not count as use.
   */
  readonly idleSince: number;
  /**
   * Send one request straight to this worker, outside the queue and its concurrency limit: a
   * JSON-RPC request to a process, a handler call on a thread. For ready hooks and health probes.
   */
  request<T = unknown>(method: string, params?: unknown, options?: RunOptions): Promise<T>;
  /** Send a message to a process worker: a notification, or the response to its request. */
  post(message: JsonRpcMessage): void;
  /** The last stderr lines of a process worker, oldest first. */
  stderrTail(): string[];
  /**
   * A process worker's resident memory now (VmRSS of its own process from `/proc/<pid>/status`,
   * not its children's), bytes. Undefined for a thread — it shares the pool's process, whose RSS
   * says nothing about one worker — and where `/proc` is not there or the process has exited.
   */
  rssBytes(): number | undefined;
}
