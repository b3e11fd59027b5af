/**
 * Thread worker runtime: a Bun `Worker` running `thread-entry`, which imports the user's module.
 * Operations sent in the same loop turn go out as one batched `postMessage`; a task for a worker
 * with nothing else in flight goes at the end of the current microtask instead (one task at a time
 * pays no loop turn for a batch of one).
 */

import { TaskFailedError, UnknownHandlerError } from '../errors.ts';
import type { JsonRpcMessage } from '../jsonrpc.ts';
import * as P from './thread-protocol.ts';
import type { ExitInfo, RuntimeSink, WorkerRuntime } from './types.ts';

// Under vitest the pool runs from src/ (.ts); once built, from dist/ (.js).
const entryExt = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
/** The URL of the worker-side entry, beside this file. */
export const threadEntryUrl = new URL(`./thread-entry${entryExt}`, import.meta.url).href;

export interface ThreadWorkerOptions {
  workerId: number;
  /** URL of the user's module. */
  module: string;
  /** Extra environment for the worker (`process.env` inside it). */
  env?: Record<string, string>;
  /** Bun's `smol` mode: a smaller heap, slower GC-heavy work. */
  smol?: boolean;
}

function toError(e: P.SerializedError): Error {
  if (e[0] === P.UNKNOWN_HANDLER) return new UnknownHandlerError(e[1]);
  return new TaskFailedError(e[1], {
    remoteName: e[0],
    ...(e[2] !== undefined && { remoteStack: e[2] }),
    ...(e[3] !== undefined && { code: e[3] as string | number }),
  });
}

export class ThreadWorker implements WorkerRuntime {
  readonly pid = undefined;
  readonly #worker: Worker;
  readonly #sink: RuntimeSink;
  #outbox: unknown[] = [];
  /** Transfer lists by operation index in the outbox, when any operation has one. */
  #transfers: (Bun.Transferable[] | undefined)[] | undefined;
  #flushQueued = false;
  /** Tasks sent and not yet answered nor cancelled. */
  #unanswered = 0;
  /** Tasks cancelled before their answer: an answer that still comes is not counted again. */
  readonly #cancelled = new Set<number>();
  #exited = false;
  #exitError: string | undefined;
  readonly #closed: Promise<void>;

  constructor(options: ThreadWorkerOptions, sink: RuntimeSink) {
    this.#sink = sink;
    this.#worker = new Worker(threadEntryUrl, {
      ...(options.env && { env: { ...(process.env as Record<string, string>), ...options.env } }),
      ...(options.smol && { smol: true }),
    });
    const worker = this.#worker;
    worker.addEventListener('message', (event) => this.#receive(event.data as unknown[]));
    worker.addEventListener('error', (event) => {
      this.#exitError ??= (event as ErrorEvent).message || 'uncaught error in worker';
    });
    worker.addEventListener('messageerror', () => {
      this.#exitError ??= 'a message from the worker could not be deserialized';
      worker.terminate();
    });
    this.#closed = new Promise((resolve) => {
      worker.addEventListener('close', (event) => {
        const code = (event as CloseEvent).code;
        this.#exit({ code: typeof code === 'number' ? code : null, signal: null, ...this.#errorField() });
        resolve();
      });
    });
    const init: P.ThreadInit = { module: options.module, workerId: options.workerId };
    worker.postMessage(init);
  }

  #errorField(): { error?: string } {
    return this.#exitError === undefined ? {} : { error: this.#exitError };
  }

  #exit(info: ExitInfo): void {
    if (this.#exited) return;
    this.#exited = true;
    this.#sink.onExit(info);
  }

  #receive(data: unknown[]): void {
    const sink = this.#sink;
    for (let i = 0; i < data.length; i += P.OUT_STRIDE) {
      const op = data[i] as number;
      const id = data[i + 1] as number;
      const value = data[i + 2];
      if (op === P.OP_OK) {
        this.#answered(id);
        sink.onSettle(id, true, value);
      } else if (op === P.OP_ERR) {
        this.#answered(id);
        sink.onSettle(id, false, toError(value as P.SerializedError));
      } else if (op === P.OP_PONG) sink.onPong(id);
      else if (op === P.OP_READY) sink.onReady();
      else if (op === P.OP_NOTE) sink.onMessage(value as JsonRpcMessage);
      else if (op === P.OP_INIT_ERROR) {
        const e = value as P.SerializedError;
        this.#exitError = `module failed to load: ${e[0]}: ${e[1]}`;
        this.#worker.terminate();
      }
    }
  }

  #answered(id: number): void {
    if (this.#cancelled.size > 0 && this.#cancelled.delete(id)) return;
    this.#unanswered--;
  }

  #enqueue(
    op: number,
    id: number,
    a: unknown,
    b: unknown,
    transfer?: Bun.Transferable[],
    soon = false,
  ): void {
    if (this.#exited) return;
    if (transfer && transfer.length > 0) {
      this.#transfers ??= [];
      this.#transfers[this.#outbox.length / P.IN_STRIDE] = transfer;
    }
    this.#outbox.push(op, id, a, b);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      if (soon) queueMicrotask(this.#flush);
      else setImmediate(this.#flush);
    }
  }

  readonly #flush = (): void => {
    this.#flushQueued = false;
    if (this.#exited || this.#outbox.length === 0) return;
    const batch = this.#outbox;
    const transfers = this.#transfers;
    this.#outbox = [];
    this.#transfers = undefined;
    try {
      // flat() skips the holes of operations without a transfer list
      if (transfers) this.#worker.postMessage(batch, transfers.flat() as Bun.Transferable[]);
      else this.#worker.postMessage(batch);
    } catch {
      // Something in the batch cannot be cloned or transferred: send the operations one by one,
      // so only the tasks at fault fail.
      this.#postEach(batch, transfers);
    }
  };

  #postEach(batch: unknown[], transfers: (Bun.Transferable[] | undefined)[] | undefined): void {
    for (let i = 0; i < batch.length; i += P.IN_STRIDE) {
      const op = batch.slice(i, i + P.IN_STRIDE);
      const transfer = transfers?.[i / P.IN_STRIDE];
      try {
        if (transfer) this.#worker.postMessage(op, transfer);
        else this.#worker.postMessage(op);
      } catch (e) {
        if (op[0] !== P.OP_RUN) continue;
        this.#unanswered--;
        const why = e instanceof Error ? e.message : String(e);
        this.#sink.onSettle(
          op[1] as number,
          false,
          new TypeError(`the task could not be sent to the worker: ${why}`),
        );
      }
    }
  }

  send(wireId: number, method: string, params: unknown, transfer?: Bun.Transferable[]): void {
    // An idle worker gets its task at the end of this microtask: a batch of one would only wait a
    // loop turn. A busy one's tasks wait for the turn's end, as its answers come back batched.
    const idle = this.#unanswered === 0 && !this.#flushQueued;
    this.#unanswered++;
    this.#enqueue(P.OP_RUN, wireId, method, params, transfer, idle);
  }

  cancel(wireId: number, reason: string): void {
    // Its handler may still answer (or never, if it ignores the signal): it no longer counts.
    this.#cancelled.add(wireId);
    this.#unanswered--;
    this.#enqueue(P.OP_CANCEL, wireId, undefined, reason);
  }

  ping(seq: number): void {
    this.#enqueue(P.OP_PING, seq, undefined, undefined);
  }

  post(): void {
    throw new TypeError('thread workers take tasks only; post() is for process workers');
  }

  async stop(): Promise<void> {
    // A thread has no stdin to close: terminating it is the graceful stop (the pool has already
    // let its tasks finish or timed them out).
    this.#worker.terminate();
    await this.#closed;
  }

  stderrTail(): string[] {
    return this.#exitError ? [this.#exitError] : [];
  }

  rssBytes(): undefined {
    return undefined;
  }
}
