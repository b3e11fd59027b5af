/**
 * Ended spans' JSON (`span-json.ts`, on the span thread: `span-thread.ts`), gathered into OTLP export requests and handed to the
 * exporter — the batch processor's job, over strings: a batch is sent when `maxBatch` spans wait
 * (after the current turn of the event loop, not inside the `end()` that filled it) or
 * `delayMs` after the first of them; one export at a time; at most `maxQueue` spans wait, more are
 * dropped (a collector too slow must not grow the gateway's memory). The export request is the
 * resource's and scope's JSON (`head`, `tail`, written once) around the batch's spans.
 */
export interface SpanBatchesOptions {
  /** The export request up to its spans' array, and after it. */
  head: string;
  tail: string;
  /** Sends one export request; rejects when it could not be sent (the batch is dropped). */
  post(body: string): Promise<void>;
  /** Spans waiting at most. Default 8,192. */
  maxQueue?: number;
  /** Spans per export request. Default 512. */
  maxBatch?: number;
  /** Longest a span waits for a batch to fill, ms. Default 5,000 (the SDK's). */
  delayMs?: number;
}

export class SpanBatches {
  private queue: string[] = [];
  private exporting: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private soon = false;
  private stopped = false;
  /** Spans dropped because the queue was full (or the exporter stopped). */
  dropped = 0;

  constructor(private readonly options: SpanBatchesOptions) {}

  add(json: string): void {
    const { maxQueue = 8_192, maxBatch = 512, delayMs = 5_000 } = this.options;
    if (this.stopped || this.queue.length >= maxQueue) {
      this.dropped++;
      return;
    }
    this.queue.push(json);
    if (this.queue.length >= maxBatch) {
      if (!this.soon) {
        this.soon = true;
        setImmediate(this.sendFull);
      }
    } else if (this.timer === undefined) {
      this.timer = setTimeout(this.sendDue, delayMs);
      this.timer.unref?.();
    }
  }

  private readonly sendFull = (): void => {
    this.soon = false;
    this.send();
  };

  private readonly sendDue = (): void => {
    this.timer = undefined;
    this.send();
  };

  /** Sends the next batch, unless one is being sent (it sends the next when done). */
  private send(): void {
    if (this.exporting !== undefined || this.queue.length === 0) return;
    const { head, tail, post, maxBatch = 512 } = this.options;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.queue.length <= maxBatch ? this.queue : this.queue.slice(0, maxBatch);
    this.queue = batch === this.queue ? [] : this.queue.slice(maxBatch);
    const sending = post(`${head}${batch.join(',')}${tail}`)
      .catch(() => undefined)
      .finally(() => {
        this.exporting = undefined;
        if (this.queue.length >= maxBatch || this.stopped) this.send();
        else if (this.queue.length > 0 && this.timer === undefined) {
          this.timer = setTimeout(this.sendDue, this.options.delayMs ?? 5_000);
          this.timer.unref?.();
        }
      });
    this.exporting = sending;
  }

  /** Sends every span waiting now; resolves when they are sent (or dropped). */
  async flush(): Promise<void> {
    while (this.exporting !== undefined || this.queue.length > 0) {
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
