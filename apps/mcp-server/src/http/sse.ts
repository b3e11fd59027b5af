/**
 * Server-Sent Events from an iterator of JSON-RPC messages: one `message` event per message (with
 * its id when it has one), `: keep-alive` comments while nothing happens, and the source's
 * `return()` called when the client goes away (cancelling the work behind it, or only detaching
 * from a resumable stream).
 */
import type { JsonRpcMessage } from '@switchyard/coordinator';

export interface SseOptions {
  keepAliveMs: number;
  headers?: Record<string, string>;
}

/** One event: a message, with the id a client may resume after. */
export interface SseEvent {
  id?: string;
  message: JsonRpcMessage;
}

/** Messages without ids, as events. */
export function withoutIds(
  messages: AsyncIterator<JsonRpcMessage>,
  first: readonly JsonRpcMessage[] = [],
): AsyncIterator<SseEvent> {
  const queued = [...first];
  return {
    next: async () => {
      const head = queued.shift();
      if (head) return { value: { message: head }, done: false };
      const next = await messages.next();
      return next.done ? next : { value: { message: next.value }, done: false };
    },
    return: async () => {
      await messages.return?.();
      return { value: undefined, done: true };
    },
  };
}

const encoder = new TextEncoder();

function frame({ message, id }: SseEvent): Uint8Array {
  const idLine = id === undefined ? '' : `id: ${id}\n`;
  return encoder.encode(`${idLine}event: message\ndata: ${JSON.stringify(message)}\n\n`);
}

export function sseResponse(events: AsyncIterator<SseEvent>, options: SseOptions): Response {
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  const stop = () => {
    closed = true;
    clearInterval(keepAlive);
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // A first comment sends the headers at once: a quiet stream (a GET) opens without waiting.
      controller.enqueue(encoder.encode(': open\n\n'));
      keepAlive = setInterval(() => {
        if (!closed) controller.enqueue(encoder.encode(': keep-alive\n\n'));
      }, options.keepAliveMs);
    },
    async pull(controller) {
      const next = await events.next();
      if (closed) return;
      if (next.done) {
        stop();
        controller.close();
        return;
      }
      controller.enqueue(frame(next.value));
    },
    async cancel() {
      stop();
      await events.return?.();
    },
  });
  return new Response(body, {
    status: 200,
    headers: {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      ...options.headers,
    },
  });
}
