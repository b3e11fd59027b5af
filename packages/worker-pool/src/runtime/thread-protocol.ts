/**
 * The messages between the pool and a thread worker's entry. Both directions send flat arrays
 * that batch several operations in one `postMessage` (one structured clone, one wake-up):
 *
 * - pool → worker, stride 4: `[op, id, name, payload, op, id, name, payload, …]`
 * - worker → pool, stride 3: `[op, id, value, op, id, value, …]`
 *
 * The first message to a worker is an {@link ThreadInit} object, not a batch.
 */

/** Pool → worker: run handler `name` with `payload` as task `id`. */
export const OP_RUN = 0;
/** Pool → worker: abort task `id` (its handler's `ctx.signal` fires). */
export const OP_CANCEL = 1;
/** Pool → worker: heartbeat `id`; the worker answers {@link OP_PONG} with the same id. */
export const OP_PING = 2;
export const IN_STRIDE = 4;

/** Worker → pool: task `id` returned `value`. */
export const OP_OK = 0;
/** Worker → pool: task `id` threw; `value` is a {@link SerializedError}. */
export const OP_ERR = 1;
export const OP_PONG = 2;
/** Worker → pool: the module loaded; `value` lists its handler names. */
export const OP_READY = 3;
/** Worker → pool: the module failed to load; `value` is a {@link SerializedError}. */
export const OP_INIT_ERROR = 4;
/**
 * Worker → pool: task `id`, still running, sends `value` (a JSON-RPC notification, such as progress
 * or a log line) on its own; the pool hands it on as the worker's message.
 */
export const OP_NOTE = 5;
export const OUT_STRIDE = 3;

export interface ThreadInit {
  /** URL (file: or otherwise) of the user's module. */
  module: string;
  workerId: number;
}

/** `[name, message, stack, code]` of an error thrown in the worker. */
export type SerializedError = [name: string, message: string, stack: string | undefined, code: unknown];

/** Name given to the error when a task names a handler the module does not export. */
export const UNKNOWN_HANDLER = 'SwitchyardUnknownHandler';

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return [
      e.name,
      e.message,
      e.stack,
      typeof code === 'string' || typeof code === 'number' ? code : undefined,
    ];
  }
  return ['Error', String(e), undefined, undefined];
}

/** Brand of the value {@link withTransfer} returns; a handler returns it to transfer buffers back. */
export const TRANSFER = Symbol.for('switchyard.worker-pool.Transfer');

export interface TransferResult<T> {
  readonly [TRANSFER]: true;
  readonly value: T;
  readonly transfer: Bun.Transferable[];
}

/** Return this from a thread handler to move (not copy) `transfer` back to the pool with `value`. */
export function withTransfer<T>(value: T, transfer: Bun.Transferable[]): TransferResult<T> {
  return { [TRANSFER]: true, value, transfer };
}

export function isTransferResult(v: unknown): v is TransferResult<unknown> {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[TRANSFER] === true;
}
