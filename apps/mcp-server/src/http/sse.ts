/**
 * Server-Sent Events from an iterator of JSON-RPC messages: one `message` event per message (with
 * its id when it has one), a priming event (an id, `retry:`, empty data) where the iterator gives
 * one, `: keep-alive` comments while nothing happens, and the source's `return()` called when the
 * client goes away (cancelling the work behind it, or only detaching from a resumable stream).
 *
 * With `maxBufferedBytes` the source is read as fast as it produces (not as the client reads) and
 * what the client has not taken yet is held in the response's queue, counted in bytes: past the
 * bound the stream is dropped — the queue discarded, the source's `return()` called, `onSlowReader`
 * told — so a client that does not read costs at most that much. Without it the source is read as
 * the client reads (its own buffer is then the bound: a resumable 2025 stream's).
 */
import type { JsonRpcMessage } from '@switchyard/coordinator';

export interface SseOptions {
  keepAliveMs: number;
  headers?: Record<string, string>;
  /** Bytes held for a client that does not read; past it the stream is dropped. Default: read as the client reads. */
  maxBufferedBytes?: number;
  /** Told when the stream was dropped for holding more than `maxBufferedBytes`. */
  onSlowReader?: () => void;
}

/** The queuing strategy of a stream bounded in bytes: `desiredSize` is the bound less what is held. */
export function byteStrategy(maxBytes: number): QueuingStrategy<Uint8Array> {
  return { highWaterMark: maxBytes, size: (chunk) => chunk?.byteLength ?? 0 };
}

/** A client that does not read made the stream hold more than its bound. */
export class SlowReaderError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the client did not read: more than ${maxBytes} bytes were waiting for it`);
    this.name = 'SlowReaderError';
  }
}

/** One event: a message, with the id a client may resume after. */
export interface SseMessageEvent {
  id?: string;
  message: JsonRpcMessage;
}

/**
 * A priming event (2025-11-25): an id and empty data, so a client holds an id to resume from before
 * any message, and a `retry:` telling it how long to wait before it reconnects, ms.
 */
export interface SsePrimingEvent {
  id: string;
  retryMs: number;
  priming: true;
}

export type SseEvent = SseMessageEvent | SsePrimingEvent;

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

function frame(event: SseEvent): Uint8Array {
  // As the SDK's server writes it: no event type, so a client skips it as a message without data.
  if ('priming' in event) return encoder.encode(`id: ${event.id}\nretry: ${event.retryMs}\ndata: \n\n`);
  const idLine = event.id === undefined ? '' : `id: ${event.id}\n`;
  return encoder.encode(`${idLine}event: message\ndata: ${JSON.stringify(event.message)}\n\n`);
}

export function sseResponse(events: AsyncIterator<SseEvent>, options: SseOptions): Response {
  const max = options.maxBufferedBytes;
  const body = max === undefined ? pulled(events, options) : pushed(events, options, max);
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

/** Read from the source as the client reads. */
function pulled(events: AsyncIterator<SseEvent>, options: SseOptions): ReadableStream<Uint8Array> {
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
  return body;
}

/** Read from the source as it produces; what waits for the client is bounded by `max` bytes. */
function pushed(
  events: AsyncIterator<SseEvent>,
  options: SseOptions,
  max: number,
): ReadableStream<Uint8Array> {
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stop = () => {
    closed = true;
    clearInterval(keepAlive);
  };
  /** Queues `chunk`; false (and the stream dropped) when that passes the bound. */
  const put = (chunk: Uint8Array): boolean => {
    if (closed) return false;
    const before = max - (controller.desiredSize ?? max);
    try {
      controller.enqueue(chunk);
    } catch {
      stop();
      void events.return?.();
      return false;
    }
    // Dropped once what was already waiting passed the bound (so one message larger than the bound
    // still goes to a reader that keeps up): at most the bound and one message are held.
    if (before <= max) return true;
    // A reader this far behind is dropped: the stream (its queue discarded), never the process.
    stop();
    controller.error(new SlowReaderError(max));
    void events.return?.();
    options.onSlowReader?.();
    return false;
  };
  const pump = async () => {
    for (;;) {
      let next: IteratorResult<SseEvent>;
      try {
        next = await events.next();
      } catch (e) {
        if (!closed) {
          stop();
          controller.error(e);
        }
        return;
      }
      if (closed) return;
      if (next.done) {
        stop();
        controller.close();
        return;
      }
      if (!put(frame(next.value))) return;
    }
  };
  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        put(encoder.encode(': open\n\n'));
        keepAlive = setInterval(() => put(encoder.encode(': keep-alive\n\n')), options.keepAliveMs);
        void pump();
      },
      async cancel() {
        if (closed) return;
        stop();
        await events.return?.();
      },
    },
    byteStrategy(max),
  );
}
