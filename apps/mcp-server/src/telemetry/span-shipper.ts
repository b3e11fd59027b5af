/**
 * The main thread's side of span export: ended spans' records (`lean-span.ts`) packed into one
 * flat array (`span-pack.ts`) and shipped to the span thread (`span-thread.ts`) as one JSON string
 * per batch — when `maxSpans` wait, or `everyMs` after the first of them — never one message per
 * span. The span thread writes their OTLP JSON, batches and exports them; the main thread's share
 * of a span is its record and a few hundred nanoseconds of packing.
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
}

export class SpanShipper implements SpanSink {
  private readonly packer = new SpanPacker();
  private packed: Packed = [];
  private count = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private gone = false;
  private nextId = 1;
  private readonly waiting = new Map<number, () => void>();
  /** Spans the span thread dropped (its queue was full), as it last said. */
  dropped = 0;

  constructor(
    private readonly thread: Worker,
    start: Extract<ToSpanThread, { kind: 'start' }>,
    private readonly options: SpanShipperOptions = {},
  ) {
    thread.addEventListener('message', (event: MessageEvent<FromSpanThread>) => {
      const { id, dropped } = event.data;
      this.dropped = dropped;
      this.waiting.get(id)?.();
      this.waiting.delete(id);
    });
    const lost = () => {
      this.gone = true;
      for (const resolve of this.waiting.values()) resolve();
      this.waiting.clear();
    };
    thread.addEventListener('error', lost);
    thread.addEventListener('close', lost);
    thread.postMessage(start);
    // The span thread does not keep the gateway's process alive.
    thread.unref();
  }

  add(span: SpanRecord): void {
    if (this.stopped) return;
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
    if (this.count === 0) return;
    const batch = JSON.stringify(this.packed);
    this.packed = [];
    this.count = 0;
    if (!this.gone) this.thread.postMessage(batch);
  }

  private ask(kind: 'flush' | 'stop'): Promise<void> {
    this.ship();
    if (this.gone) return Promise.resolve();
    const id = this.nextId++;
    return new Promise<void>((resolve) => {
      this.waiting.set(id, resolve);
      const message: ToSpanThread = { kind, id };
      this.thread.postMessage(message);
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
    await stopping;
    this.thread.terminate();
  }
}
