/** One unit of work, from submission until it settles. */
import type { CancelSignal } from '@switchyard/flow-balancer';
import type { JsonRpcId } from './jsonrpc.ts';

export const QUEUED = 0;
export const RUNNING = 1;
export const DONE = 2;
export type TaskState = typeof QUEUED | typeof RUNNING | typeof DONE;

/** `S` is the pool's book of the worker the task runs on. */
export class Task<S = unknown> {
  state: TaskState = QUEUED;
  slot: S | undefined;
  wireId = 0;
  startedAt = 0;
  /** Absolute clock time the budget runs out; Infinity without a timeout. */
  deadline = Number.POSITIVE_INFINITY;
  timer: unknown;
  onAbort: (() => void) | undefined;
  resolve!: (value: unknown) => void;
  reject!: (error: unknown) => void;
  readonly promise: Promise<unknown>;

  constructor(
    readonly id: number,
    readonly method: string,
    readonly params: unknown,
    readonly submittedAt: number,
    readonly signal: CancelSignal | undefined,
    readonly timeoutMs: number | undefined,
    readonly transfer: Bun.Transferable[] | undefined,
    readonly affinityKey: string | undefined,
    /** Set for `forward()`: the caller's JSON-RPC id, restored on the response. */
    readonly callerId: JsonRpcId | undefined,
    /** A direct request to one worker, outside the queue and its concurrency limit. */
    readonly direct: boolean,
  ) {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}
