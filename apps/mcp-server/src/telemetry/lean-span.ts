/**
 * A recording span of the gateway's own tracer (`lean-tracer.ts`): the `@opentelemetry/api` `Span`
 * with its attributes kept as given (in one object), its times as milliseconds, and — at `end()` —
 * its record (`span-record.ts`: the facts, no JSON) handed to the sink, which ships it to the span
 * thread that writes and exports it (`span-shipper.ts`). The SDK's span (`SpanImpl`: attribute
 * cleaning and limits, `HrTime` pairs, a `ReadableSpan` kept until the batch is serialized) was
 * most of what tracing a call cost the gateway's main thread.
 *
 * Its JSON (`span-json.ts`) is what `otlp-json.ts` writes for an SDK span: the same fields, ids,
 * flags and times.
 */
import type {
  Attributes,
  AttributeValue,
  Exception,
  Link,
  Span,
  SpanContext,
  SpanKind,
  SpanStatus,
  TimeInput,
} from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import { flagsOf } from './otlp-json.ts';
import { eventsJson, linksJson, type TimedEvent } from './span-json.ts';
import { blankSpanFields, type SpanRecord } from './span-record.ts';

/** Where ended spans go, as the record of each (its OTLP JSON is written from it elsewhere). */
export interface SpanSink {
  /**
   * `span` is read before `add` returns and not kept: it is one object, overwritten span after
   * span (the shipper packs it at once).
   */
  add(span: SpanRecord): void;
}

/** A span's status until one is set (the same object for every span: it is not changed). */
const UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });

/**
 * The record every ended span is written into and handed to its sink — one object, not one per
 * span: the sink reads it before `add` returns.
 */
const RECORD_EMPTY: Attributes = Object.freeze({});
const RECORD: SpanRecord = { ...blankSpanFields(), attributes: RECORD_EMPTY };

/** The process's time origin, ms since the epoch (read once: it is a getter on `performance`). */
const TIME_ORIGIN = performance.timeOrigin;

/** Now, in milliseconds since the epoch (sub-millisecond, monotonic within the process). */
export function nowMs(): number {
  return TIME_ORIGIN + performance.now();
}

/** A `TimeInput` in milliseconds since the epoch, as the SDK reads it. */
export function msOf(time: TimeInput | undefined): number {
  if (time === undefined) return nowMs();
  // As the SDK: a number below half the time origin is a `performance.now()` reading.
  if (typeof time === 'number') return time < TIME_ORIGIN / 2 ? TIME_ORIGIN + time : time;
  if (time instanceof Date) return time.getTime();
  return time[0] * 1000 + time[1] / 1e6;
}

export class LeanSpan implements Span {
  private attributes: Attributes;
  private status: SpanStatus = UNSET;
  private events: TimedEvent[] | undefined;
  private links: Link[] | undefined;
  private ended = false;

  constructor(
    private readonly sink: SpanSink,
    private readonly context: SpanContext,
    private readonly parent: SpanContext | undefined,
    private name: string,
    private readonly kind: SpanKind,
    private readonly startMs: number,
    attributes: Attributes | undefined,
    links: Link[] | undefined,
  ) {
    this.attributes = attributes === undefined ? {} : { ...attributes };
    if (links !== undefined && links.length > 0) this.links = [...links];
  }

  spanContext(): SpanContext {
    return this.context;
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (!this.ended && value !== undefined && value !== null) this.attributes[key] = value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    if (this.ended) return this;
    const own = this.attributes;
    for (const key in attributes) {
      const value = attributes[key];
      if (value !== undefined && value !== null) own[key] = value;
    }
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    const timeGiven =
      typeof attributesOrTime === 'number' ||
      Array.isArray(attributesOrTime) ||
      attributesOrTime instanceof Date;
    const at = msOf(timeGiven ? (attributesOrTime as TimeInput) : time);
    const attributes = timeGiven ? undefined : (attributesOrTime as Attributes | undefined);
    const event = { name, attributes, at };
    if (this.events === undefined) this.events = [event];
    else this.events.push(event);
    return this;
  }

  addLink(link: Link): this {
    if (this.ended) return this;
    if (this.links === undefined) this.links = [link];
    else this.links.push(link);
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    // As the SDK: UNSET changes nothing, OK is final, a message only with ERROR.
    if (this.ended || status.code === SpanStatusCode.UNSET || this.status.code === SpanStatusCode.OK)
      return this;
    this.status =
      status.code === SpanStatusCode.ERROR && typeof status.message === 'string'
        ? { code: status.code, message: status.message }
        : { code: status.code };
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.ended = true;
    // An end before the start (clocks apart) is a span of no duration, as the SDK makes it.
    const record = this.record(Math.max(this.startMs, msOf(endTime)));
    this.sink.add(record);
    // Nothing of this span stays reachable from the shared record.
    record.attributes = RECORD_EMPTY;
  }

  isRecording(): boolean {
    return !this.ended;
  }

  /** An `exception` event, with the attributes the SDK gives it. */
  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') attributes['exception.message'] = exception;
    else if (exception) {
      if (exception.code) attributes['exception.type'] = exception.code.toString();
      else if (exception.name) attributes['exception.type'] = exception.name;
      if (exception.message) attributes['exception.message'] = exception.message;
      if (exception.stack) attributes['exception.stacktrace'] = exception.stack;
    }
    if (attributes['exception.type'] !== undefined || attributes['exception.message'] !== undefined)
      this.addEvent('exception', attributes, time);
  }

  /** The shared `RECORD`, written with this span's facts. */
  private record(endMs: number): SpanRecord {
    const { context, parent, status } = this;
    const record = RECORD;
    record.traceId = context.traceId;
    record.spanId = context.spanId;
    record.parentSpanId = parent?.spanId;
    record.traceState = context.traceState?.serialize();
    record.name = this.name;
    record.kind = this.kind + 1;
    record.startMs = this.startMs;
    record.endMs = endMs;
    record.flags = flagsOf(context.traceFlags, parent?.isRemote);
    record.statusCode = status.code;
    record.statusMessage = status.message;
    record.attributes = this.attributes;
    record.events = eventsJson(this.events);
    record.links = linksJson(this.links);
    return record;
  }
}
