/**
 * Server-Sent Events from an async iterable of JSON-RPC messages: one `message` event per
 * message (with an id when one is given), `: keep-alive` comments while nothing happens, and the
 * source's `return()` called when the client goes away, so the work behind it is cancelled.
 */
import type { JsonRpcMessage } from '@switchyard/coordinator';

export interface SseOptions {
  keepAliveMs: number;
  headers?: Record<string, string>;
  /** Messages to send before those of the iterable (already taken from it). */
  first?: readonly JsonRpcMessage[];
  /** Gives each message's event id (for resumption). */
  eventId?: (message: JsonRpcMessage) => string | undefined;
}

const encoder = new TextEncoder();

function frame(message: JsonRpcMessage, id: string | undefined): Uint8Array {
  const idLine = id === undefined ? '' : `id: ${id}\n`;
  return encoder.encode(`${idLine}event: message\ndata: ${JSON.stringify(message)}\n\n`);
}

export function sseResponse(messages: AsyncIterator<JsonRpcMessage>, options: SseOptions): Response {
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  const stop = () => {
    closed = true;
    clearInterval(keepAlive);
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const m of options.first ?? []) controller.enqueue(frame(m, options.eventId?.(m)));
      keepAlive = setInterval(() => {
        if (!closed) controller.enqueue(encoder.encode(': keep-alive\n\n'));
      }, options.keepAliveMs);
    },
    async pull(controller) {
      const next = await messages.next();
      if (closed) return;
      if (next.done) {
        stop();
        controller.close();
        return;
      }
      controller.enqueue(frame(next.value, options.eventId?.(next.value)));
    },
    async cancel() {
      stop();
      await messages.return?.();
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
