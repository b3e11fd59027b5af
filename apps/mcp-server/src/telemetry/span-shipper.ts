/**
 * The main thread's side of span export: ended spans' records (`lean-span.ts`) packed into one
 * flat array (`span-pack.ts`) and shipped to the span thread (`span-thread.ts`) as one JSON string
 * per batch — when `maxSpans` wait, or `everyMs` after the first of them — never one message per
 * span. The span thread writes their OTLP export requests, batches and exports them; the main
 * thread's share of a span is its record and a few hundred nanoseconds of packing.
 *
 * Bounded: the span thread acknowledges each batch once read; with `maxUnread` batches sent and not
 * yet acknowledged (a span thread that falls behind), spans are dropped here, before they are
 * packed, and counted (`droppedBehind`) — the thread's inbox never grows past that bound.
 *
 * Restarted: a span thread that dies (or is terminated) is started again after a backoff
 * (`restartMs`, doubled per restart in a row up to `maxRestartMs`, back to the first once a new
 * thread has read a batch); spans ended meanwhile are dropped and counted. The batches it had not
 * exported are lost with it.
 *
 * `flush()` and `shutdown()` ask the span thread and resolve when it answers (or is gone).
 */
import type { SpanSink } from './lean-span.ts';
import type { FromSpanThread, ToSpanThread } from './span-messages.ts';
import { type Packed, SpanPacker } from './span-pack.ts';
import type { SpanRecord } from './span-record.ts';

export interface SpanShipperOptions {
  /** Spans shipped in one message at most. Default 512. */
  maxSpans?: number;
  /** Longest an ended span waits on the main thread, ms. Default 200. */
  everyMs?: number;
  /** Batches sent to the span thread and not yet read, at most (8 × 512 spans: ~0.7 MB of strings). Default 8. */
  maxUnread?: number;
  /** The first restart's delay after the span thread died, ms. Default 100. */
  restartMs?: number;
  /** The longest delay between restarts in a row, ms. Default 10,000. */
  maxRestartMs?: number;
}

type Start = Extract<ToSpanThread, { kind: 'start' }>;

/** What a shipper lost, and how often its span thread was started again (for `/metrics`). */
export interface SpanShipping {
  /** Spans dropped, here or on the span thread. */
  readonly dropped: number;
  /** Of them, spans dropped here: the span thread was behind (`maxUnread` batches unread) or gone. */
  readonly droppedBehind: number;
  /** Span threads started again after one died. */
  readonly restarts: number;
}

export class SpanShipper implements SpanSink, SpanShipping {
  private packer = new SpanPacker();
  private readonly packed: Packed = [];
  private count = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private thread: Worker | undefined;
  /** Batches sent to the current thread and not yet acknowledged. */
  private unread = 0;
  private stopped = false;
  private nextId = 1;
  private readonly waiting = new Map<number, () => void>();
  /** Restarts in a row without a batch read since. */
  private failures = 0;
  /** Spans the span threads dropped (their export queue was full), as they last said. */
  private queueDroppedBefore = 0;
  private queueDropped = 0;
  /** Spans dropped here: the span thread was behind (`maxUnread` batches unread) or gone. */
  droppedBehind = 0;
  /** Span threads started again after one died. */
  restarts = 0;

  /** `spawn`: starts a span thread (again, after one died). */
  constructor(
    private readonly spawn: () => Worker,
    private readonly start: Start,
    private readonly options: SpanShipperOptions = {},
  ) {
    this.open();
  }

  /** Spans dropped, here or on the span thread. */
  get dropped(): number {
    return this.queueDroppedBefore + this.queueDropped + this.droppedBehind;
  }

  private open(): void {
    const thread = this.spawn();
    this.thread = thread;
    this.unread = 0;
    this.queueDroppedBefore += this.queueDropped;
    this.queueDropped = 0;
    thread.addEventListener('message', (event: MessageEvent<FromSpanThread>) => {
      if (thread !== this.thread) return;
      const message = event.data;
      this.queueDropped = message.dropped;
      if (message.kind === 'took') {
        this.unread--;
        this.failures = 0;
        return;
      }
      this.waiting.get(message.id)?.();
      this.waiting.delete(message.id);
    });
    const lost = () => {
      if (thread !== this.thread) return;
      this.lost();
    };
    thread.addEventListener('error', lost);
    thread.addEventListener('close', lost);
    thread.postMessage(this.start);
    // The span thread does not keep the gateway's process alive.
    thread.unref();
  }

  /** The span thread died: what waited on it is answered, and a new one is started later. */
  private lost(): void {
    this.thread?.terminate();
    this.thread = undefined;
    for (const resolve of this.waiting.values()) resolve();
    this.waiting.clear();
    // What was packed for the dead thread is lost with it; the next thread numbers keys anew.
    this.droppedBehind += this.count;
    this.packed.length = 0;
    this.count = 0;
    this.packer = new SpanPacker();
    if (this.stopped) return;
    const { restartMs = 100, maxRestartMs = 10_000 } = this.options;
    const delay = Math.min(maxRestartMs, restartMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      this.restarts++;
      try {
        this.open();
      } catch {
        // Could not even be started: tried again later, the backoff growing.
        this.thread = undefined;
        this.lost();
      }
    }, delay);
    this.restartTimer.unref?.();
  }

  add(span: SpanRecord): void {
    if (this.stopped) return;
    // Behind or gone: dropped before packing, so the packer and the thread's unpacker stay alike.
    if (this.thread === undefined || this.unread >= (this.options.maxUnread ?? 8)) {
      this.droppedBehind++;
      return;
    }
    this.packer.pack(this.packed, span);
    if (++this.count >= (this.options.maxSpans ?? 512)) this.ship();
    else if (this.timer === undefined) {
      this.timer = setTimeout(this.shipDue, this.options.everyMs ?? 200);
      this.timer.unref?.();
    }
  }

  private readonly shipDue = (): void => {
    this.timer = undefined;
    this.ship();
  };

  private ship(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.count === 0 || this.thread === undefined) return;
    const batch = JSON.stringify(this.packed);
    // The same array for the next batch: emptied, it keeps its room (no regrowing it span by span).
    this.packed.length = 0;
    this.count = 0;
    this.unread++;
    this.thread.postMessage(batch);
  }

  private ask(kind: 'flush' | 'stop'): Promise<void> {
    this.ship();
    const { thread } = this;
    if (thread === undefined) return Promise.resolve();
    const id = this.nextId++;
    return new Promise<void>((resolve) => {
      this.waiting.set(id, resolve);
      const message: ToSpanThread = { kind, id };
      thread.postMessage(message);
    });
  }

  /** Resolves when every span ended so far has been exported (or dropped). */
  flush(): Promise<void> {
    return this.ask('flush');
  }

  /** Flushes, takes no more spans, and ends the span thread. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    const stopping = this.ask('stop');
    this.stopped = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    await stopping;
    this.close();
  }

  /** Ends the span thread now (whatever it has not exported is lost) and starts no other. */
  close(): void {
    this.stopped = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const { thread } = this;
    this.thread = undefined;
    thread?.terminate();
  }
}
