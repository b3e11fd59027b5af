/**
 * A span processor that hands ended spans to the next one (the batch processor) after the current
 * turn of the event loop, not inside `span.end()`: the batch processor exports — serializes a
 * whole batch of spans to OTLP JSON, ~2 ms for 512 — synchronously in the `onEnd` that fills a
 * batch, which would stall the request whose span ended then. Deferred, that work runs between
 * requests; what it costs in CPU is the same. Spans still waiting are handed on at flush and
 * shutdown.
 */
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

export class DeferredEndProcessor implements SpanProcessor {
  private pending: ReadableSpan[] = [];
  private scheduled = false;

  constructor(private readonly next: SpanProcessor) {}

  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    this.pending.push(span);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.handOn);
  }

  private readonly handOn = (): void => {
    this.scheduled = false;
    const spans = this.pending;
    this.pending = [];
    for (const span of spans) this.next.onEnd(span);
  };

  forceFlush(): Promise<void> {
    this.handOn();
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    this.handOn();
    return this.next.shutdown();
  }
}
