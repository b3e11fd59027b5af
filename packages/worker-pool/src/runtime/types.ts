/**
 * The seam between the pool and a worker runtime (a Bun `Worker`, a `Bun.spawn`ed process). The
 * pool only speaks to a runtime through {@link WorkerRuntime} and hears from it through the
 * {@link RuntimeSink} it hands over at creation.
 */
import type { ProtocolFaultKind } from '../errors.ts';
import type { JsonRpcMessage } from '../jsonrpc.ts';

/** How a worker ended, as the runtime saw it. */
export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** An error the runtime reported (a thread's uncaught exception, a spawn failure). */
  error?: string;
}

export interface RuntimeSink {
  /** The worker can take tasks (a thread loaded its module; a process was spawned). */
  onReady(): void;
  /** A task settled. `ok === false`: `value` is the error to reject with. */
  onSettle(wireId: number, ok: boolean, value: unknown): void;
  /** The worker is gone; called once. */
  onExit(info: ExitInfo): void;
  /** A heartbeat answer (threads). */
  onPong(seq: number): void;
  /** A notification or request from a process, or a running thread task's own message (`ctx.notify`). */
  onMessage(message: JsonRpcMessage): void;
  /** A line from a process broke the protocol; the line was skipped. */
  onFault(kind: ProtocolFaultKind, sample: string): void;
  /** An answer was lost (too long to keep) and its id could not be read: fail its task if it can be told. */
  onLostAnswer?(error: Error): void;
}

export interface WorkerRuntime {
  readonly pid: number | undefined;
  /** Deliver a task. Returns synchronously; the task's answer comes through `onSettle`. */
  send(wireId: number, method: string, params: unknown, transfer?: Bun.Transferable[]): void;
  /** Ask the worker to stop working on a task (thread: its AbortSignal; process: the cancel message). */
  cancel(wireId: number, reason: string): void;
  /** Send a heartbeat; the answer comes through `onPong`. */
  ping(seq: number): void;
  /** Send a raw message to the worker (processes: a response or notification). */
  post(message: JsonRpcMessage): void;
  /** Graceful stop, escalating; resolves when the worker has exited. */
  stop(graceMs: number, killGraceMs: number): Promise<void>;
  /** The last stderr lines (processes), oldest first. */
  stderrTail(): string[];
  /** Resident memory of the worker in bytes, where the runtime can tell. */
  rssBytes(): number | undefined;
}
