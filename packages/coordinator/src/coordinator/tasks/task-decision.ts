/**
 * When a 2026-07-28 task-augmented call becomes a task (the tasks extension, SEP-2663, with
 * SEP-2322's multi-round trip). The extension: a server that needs client input *before* it makes
 * a task uses the multi-round trip on the original request ("SHOULD resolve all MRTR exchanges
 * synchronously before responding with a CreateTaskResult"); input needed *during* the task goes
 * through `inputRequests` / `tasks/update`. A backend behind the gateway does not say which it
 * means, so the gateway reads the call's first act: a call whose first message (within
 * `windowMs` of its start) is its `input_required` answer — it asked the client before it did or
 * said anything else — is gathering its input, and the client gets that answer, no task; any
 * other first message (a notification, its answer), or none within the window, means the call is
 * at work, and the task is made.
 */
import type { JsonRpcMessage, JsonRpcResultResponse } from '../../jsonrpc/types.ts';

/** How long a task-augmented call may take to ask for its input before its task is made, ms. */
export const DEFAULT_TASK_DECISION_MS = 250;

export type FirstAct =
  /** The call asked the client first: its `input_required` answer (its stream has ended: parked). */
  | { readonly kind: 'asks'; readonly answer: JsonRpcResultResponse }
  /** The call is at work: its whole stream, the messages read so far included. */
  | { readonly kind: 'works'; readonly messages: AsyncIterable<JsonRpcMessage> };

/** Whether `m` is an `input_required` answer (multi-round trip). */
export function isInputRequired(m: JsonRpcMessage): m is JsonRpcResultResponse {
  return !('method' in m) && 'result' in m && m.result.resultType === 'input_required';
}

/** Reads the call's first message, waiting at most `windowMs` for it. */
export async function firstAct(messages: AsyncIterable<JsonRpcMessage>, windowMs: number): Promise<FirstAct> {
  const it = messages[Symbol.asyncIterator]();
  const first = it.next();
  let stop = () => {};
  const late = new Promise<undefined>((resolve) => {
    const timer = setTimeout(resolve, windowMs);
    stop = () => clearTimeout(timer);
  });
  const got = await Promise.race([first, late]);
  stop();
  if (got && !got.done && isInputRequired(got.value)) return { kind: 'asks', answer: got.value };
  return { kind: 'works', messages: rest(first, it) };
}

/** The stream from its first (maybe still pending) read on. */
async function* rest(
  first: Promise<IteratorResult<JsonRpcMessage>>,
  it: AsyncIterator<JsonRpcMessage>,
): AsyncGenerator<JsonRpcMessage> {
  let next = await first;
  try {
    while (!next.done) {
      yield next.value;
      next = await it.next();
    }
  } finally {
    // A reader that stops early stops the call's stream too (its abandon hook).
    if (!next.done) await it.return?.();
  }
}
