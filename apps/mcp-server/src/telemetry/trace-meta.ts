/**
 * The W3C trace context of a span as the entries of a message's `params._meta` (SEP-414):
 * `traceparent`, and `tracestate` when there is one — what `W3CTraceContextPropagator.inject`
 * writes, without the context object and setter calls per message. The span contexts passed here
 * are the SDK's own (ids it made, or a caller's it validated while extracting them).
 */
import { type SpanContext, TraceFlags } from '@opentelemetry/api';
import type { JsonObject } from '@switchyard/coordinator';

export function traceMeta(span: SpanContext | undefined): JsonObject {
  if (span === undefined) return {};
  // As the propagator writes them; the two flags the gateway's spans carry are made once.
  const flags = span.traceFlags;
  const tail = flags === TraceFlags.SAMPLED ? '-01' : !flags ? '-00' : `-0${Number(flags).toString(16)}`;
  const meta: JsonObject = { traceparent: `00-${span.traceId}-${span.spanId}${tail}` };
  const state = span.traceState?.serialize();
  if (state) meta.tracestate = state;
  return meta;
}
