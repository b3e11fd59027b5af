/**
 * The gateway's tracer: `@opentelemetry/api`'s `Tracer` (the API is made for other SDKs than the
 * reference one) with lean spans (`lean-span.ts`). Its start follows the SDK's `Tracer.startSpan`:
 * a valid parent in the context gives the trace id and trace state (a `root` span has none), the
 * configured sampler (`@opentelemetry/sdk-trace`'s parent-based ratio sampler) decides, a span not
 * recorded is the API's non-recording span carrying its context, a recorded one gets the
 * sampler's attributes beside the caller's. Ids come from `ids.ts` (injectable randomness).
 */
import {
  type Context,
  context as contextApi,
  SamplingDecision,
  type Span,
  SpanKind,
  type SpanOptions,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { Sampler } from '@opentelemetry/sdk-trace';
import { IdSource } from './ids.ts';
import { LeanSpan, msOf, type SpanSink } from './lean-span.ts';

const NO_LINKS: never[] = [];

export interface LeanTracerOptions {
  /**
   * The sampler records every child of a span it recorded (parent-based, or by trace id ratio: the
   * child has its parent's trace id), so a child of this tracer's recording span is recorded without
   * asking it. Default false: the sampler is asked for every span.
   */
  recordsChildrenOfRecorded?: boolean;
}

export class LeanTracer implements Tracer {
  constructor(
    private readonly sampler: Sampler,
    private readonly sink: SpanSink,
    private readonly ids: IdSource = new IdSource(),
    private readonly options: LeanTracerOptions = {},
  ) {}

  startSpan(name: string, options: SpanOptions = {}, context: Context = contextApi.active()): Span {
    if (options.root) context = trace.deleteSpan(context);
    // A span of this tracer's carries ids it made (valid); another's context is checked, as the SDK does.
    const found = trace.getSpan(context);
    const foundContext = found?.spanContext();
    const parent =
      foundContext !== undefined && (found instanceof LeanSpan || trace.isSpanContextValid(foundContext))
        ? foundContext
        : undefined;
    const traceId = parent?.traceId ?? this.ids.traceId();
    const spanId = this.ids.spanId();
    const kind = options.kind ?? SpanKind.INTERNAL;
    const links = options.links ?? NO_LINKS;
    if (
      this.options.recordsChildrenOfRecorded &&
      found instanceof LeanSpan &&
      parent !== undefined &&
      (parent.traceFlags & TraceFlags.SAMPLED) !== 0
    ) {
      const context = { traceId, spanId, traceFlags: TraceFlags.SAMPLED, traceState: parent.traceState };
      const start = msOf(options.startTime);
      return new LeanSpan(this.sink, context, parent, name, kind, start, options.attributes, links);
    }
    const sampled = this.sampler.shouldSample(context, traceId, name, kind, options.attributes ?? {}, links);
    const spanContext = {
      traceId,
      spanId,
      traceFlags:
        sampled.decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE,
      traceState: sampled.traceState ?? parent?.traceState,
    };
    if (sampled.decision === SamplingDecision.NOT_RECORD) return trace.wrapSpanContext(spanContext);
    const attributes =
      sampled.attributes === undefined
        ? options.attributes
        : { ...options.attributes, ...sampled.attributes };
    return new LeanSpan(
      this.sink,
      spanContext,
      parent,
      name,
      kind,
      msOf(options.startTime),
      attributes,
      links,
    );
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    context: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    ...rest: [F] | [SpanOptions, F] | [SpanOptions, Context, F]
  ): ReturnType<F> {
    const fn = rest[rest.length - 1] as F;
    const options = rest.length > 1 ? (rest[0] as SpanOptions) : {};
    const parent = rest.length > 2 ? (rest[1] as Context) : contextApi.active();
    const span = this.startSpan(name, options, parent);
    return contextApi.with(trace.setSpan(parent, span), fn as (span: Span) => ReturnType<F>, undefined, span);
  }
}
