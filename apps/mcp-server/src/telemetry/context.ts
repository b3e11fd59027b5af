/**
 * The trace context of the request being served: the front door runs the coordinator's handling
 * of a traced request inside `traceContext.run(...)`, so whatever that handling starts (a routed
 * call's spans) and logs (`trace_id` / `span_id` on each line) knows its trace — without a global
 * OpenTelemetry context manager, so two gateways in one process do not share one.
 *
 * Untraced requests never enter a run: reading the context then costs one lookup.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { type Context, trace } from '@opentelemetry/api';

export const traceContext = new AsyncLocalStorage<Context>();

/** `trace_id` / `span_id` of the span being served, for a log line; `{}` when there is none. */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const active = traceContext.getStore();
  if (active === undefined) return {};
  const span = trace.getSpanContext(active);
  return span ? { trace_id: span.traceId, span_id: span.spanId } : {};
}
