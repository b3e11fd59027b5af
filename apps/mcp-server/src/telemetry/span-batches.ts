/**
 * Spans the span thread read back (`span-thread.ts`), written into OTLP export requests as they
 * come (`RequestWriter`: `request-json.ts`, `request-protobuf.ts`) and handed to the exporter —
 * the batch processor's job: a request is sent when `maxBatch` spans are in it (after the current
 * turn of the event loop, not inside the `add()` that filled it) or `delayMs` after its first
 * span; one export at a time; at most `maxQueue` spans wait (in requests written, or in the one
 * being written), more are dropped — a collector too slow must not grow the gateway's memory.
 */

/** One encoding of export requests, written span by span. */
export interface RequestWriter<Span, Body> {
  /** Spans in the request being written. */
  readonly spans: number;
  /** Writes `span` into the request being written (`span` is not kept). */
  add(span: Span): void;
  /** The request written, whole; the next one starts empty. */
  take(): Body;
  /** A body taken was sent (or dropped): the writer may write into its memory again. */
  release?(body: Body): void;
}

export interface SpanBatchesOptions<Span, Body> {
  writer: RequestWriter<Span, Body>;
  /** Sends one export request; rejects when it could not be sent (the batch is dropped). */
  post(body: Body): Promise<void>;
  /** Spans waiting at most. Default 8,192. */
  maxQueue?: number;
  /** Spans per export request. Default 512. */
  maxBatch?: number;
  /** Longest a span waits for a batch to fill, ms. Default 5,000 (the SDK's). */
  delayMs?: number;
}

export class SpanBatches<Span, Body> {
  /** Requests written, waiting to be sent, and the spans in each. */
  private readonly written: { body: Body; spans: number }[] = [];
  private waiting = 0;
  private exporting: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private soon = false;
  private stopped = false;
  /** Spans dropped because the queue was full (or the exporter stopped). */
  dropped = 0;

  constructor(private readonly options: SpanBatchesOptions<Span, Body>) {}

  add(span: Span): void {
    const { writer, maxQueue = 8_192, maxBatch = 512, delayMs = 5_000 } = this.options;
    if (this.stopped || this.waiting >= maxQueue) {
      this.dropped++;
      return;
    }
    writer.add(span);
    this.waiting++;
    if (writer.spans >= maxBatch) {
      this.seal();
      if (!this.soon) {
        this.soon = true;
        setImmediate(this.sendFull);
      }
    } else if (this.timer === undefined) {
      this.timer = setTimeout(this.sendDue, delayMs);
      this.timer.unref?.();
    }
  }

  /** The request being written joins those waiting to be sent. */
  private seal(): void {
    const { writer } = this.options;
    const spans = writer.spans;
    if (spans > 0) this.written.push({ body: writer.take(), spans });
  }

  private readonly sendFull = (): void => {
    this.soon = false;
    this.send();
  };

  private readonly sendDue = (): void => {
    this.timer = undefined;
    this.send();
  };

  /** Sends the next request, unless one is being sent (it sends the next when done). */
  private send(): void {
    if (this.exporting !== undefined) return;
    if (this.written.length === 0) this.seal();
    const next = this.written.shift();
    if (next === undefined) return;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.waiting -= next.spans;
    const sending = this.options
      .post(next.body)
      .catch(() => undefined)
      .finally(() => {
        this.options.writer.release?.(next.body);
        this.exporting = undefined;
        if (this.written.length > 0 || this.stopped) this.send();
        else if (this.waiting > 0 && this.timer === undefined) {
          this.timer = setTimeout(this.sendDue, this.options.delayMs ?? 5_000);
          this.timer.unref?.();
        }
      });
    this.exporting = sending;
  }

  /** Sends every span waiting now; resolves when they are sent (or dropped). */
  async flush(): Promise<void> {
    while (this.exporting !== undefined || this.waiting > 0) {
      if (this.exporting === undefined) this.send();
      await this.exporting;
    }
  }

  /** Flushes, then takes no more spans. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.flush();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
