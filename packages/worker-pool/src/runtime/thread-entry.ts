/**
 * The entry a thread worker loads. It imports the user's module (named in the first message),
 * then runs its exported functions by name: `handler(payload, ctx)`, where `ctx.signal` aborts when
 * the pool cancels the task and `ctx.notify(message)` sends a message of the task's own (progress,
 * a log line) that the pool hands on as the worker's message. Several tasks run at once; results go back batched:
 * those of one message from the pool together at its end, later ones one loop turn later — or at
 * once when the task answered was the only one running.
 */
import {
  IN_STRIDE,
  isTransferResult,
  OP_CANCEL,
  OP_ERR,
  OP_INIT_ERROR,
  OP_NOTE,
  OP_OK,
  OP_PING,
  OP_PONG,
  OP_READY,
  OP_RUN,
  serializeError,
  type ThreadInit,
  UNKNOWN_HANDLER,
} from './thread-protocol.ts';

/** The context a handler gets as its second argument. */
class TaskContext {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  constructor(
    readonly taskId: number,
    readonly workerId: number,
  ) {}
  /** Created on first use, so tasks that never look at it pay nothing. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }
  /**
   * Sends `message` (a JSON-RPC notification: progress, a log line) to the pool while the task
   * runs; once the task has settled it is dropped.
   */
  notify(message: unknown): void {
    if (running.get(this.taskId) === this) reply(OP_NOTE, this.taskId, message);
  }
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

type Handler = (payload: unknown, ctx: TaskContext) => unknown;

const post = globalThis.postMessage as (message: unknown, transfer?: Bun.Transferable[]) => void;
let handlers: Map<string, Handler> | undefined;
let workerId = -1;
const running = new Map<number, TaskContext>();

let out: unknown[] = [];
let outTransfer: Bun.Transferable[] | undefined;
let flushQueued = false;

function flush(): void {
  flushQueued = false;
  if (out.length === 0) return;
  const batch = out;
  const transfer = outTransfer;
  out = [];
  outTransfer = undefined;
  if (transfer) post(batch, transfer);
  else post(batch);
}

/** Whether the pool's message is being handled (its answers go out together at its end). */
let handling = false;

/**
 * Queues an answer. `last`: the task answered was the only one running, so no other answer can
 * join it in this turn: it goes at once (the pool waiting for one task pays no loop turn).
 */
function reply(op: number, id: number, value: unknown, last = false): void {
  out.push(op, id, value);
  if (last && !handling) {
    flush();
    return;
  }
  if (!flushQueued) {
    flushQueued = true;
    setImmediate(flush);
  }
}

function ok(id: number, value: unknown): void {
  if (!running.delete(id)) return;
  if (isTransferResult(value)) {
    outTransfer ??= [];
    outTransfer.push(...value.transfer);
    reply(OP_OK, id, value.value, running.size === 0);
  } else {
    reply(OP_OK, id, value, running.size === 0);
  }
}

function fail(id: number, error: unknown): void {
  if (running.delete(id)) reply(OP_ERR, id, serializeError(error), running.size === 0);
}

function run(id: number, name: string, payload: unknown): void {
  const fn = handlers!.get(name);
  if (!fn) {
    reply(OP_ERR, id, [UNKNOWN_HANDLER, name, undefined, undefined]);
    return;
  }
  const ctx = new TaskContext(id, workerId);
  running.set(id, ctx);
  let result: unknown;
  try {
    result = fn(payload, ctx);
  } catch (e) {
    fail(id, e);
    return;
  }
  if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') {
    (result as PromiseLike<unknown>).then(
      (v) => ok(id, v),
      (e) => fail(id, e),
    );
  } else {
    ok(id, result);
  }
}

async function init(msg: ThreadInit): Promise<void> {
  workerId = msg.workerId;
  try {
    const mod = (await import(msg.module)) as Record<string, unknown>;
    handlers = new Map();
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value === 'function') handlers.set(name, value as Handler);
    }
    reply(OP_READY, 0, [...handlers.keys()]);
  } catch (e) {
    reply(OP_INIT_ERROR, 0, serializeError(e));
  }
}

(globalThis as unknown as { onmessage: (event: MessageEvent) => void }).onmessage = (event) => {
  const data = event.data as unknown[] | ThreadInit;
  if (!Array.isArray(data)) {
    void init(data);
    return;
  }
  handling = true;
  try {
    for (let i = 0; i < data.length; i += IN_STRIDE) {
      const op = data[i] as number;
      const id = data[i + 1] as number;
      if (op === OP_RUN) run(id, data[i + 2] as string, data[i + 3]);
      else if (op === OP_CANCEL) running.get(id)?.abort(data[i + 3]);
      else if (op === OP_PING) reply(OP_PONG, id, undefined);
    }
  } finally {
    handling = false;
  }
  // Answers of synchronous handlers go now, in one message; later ones on the next microtask.
  flush();
};
