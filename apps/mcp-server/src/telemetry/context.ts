/**
 * The trace context of the request being served. The front door hands the coordinator's handling
 * of a traced request its server span's context through the request's async context: the request
 * facts the access log keeps already (`requestFacts`, one async context per request when the
 * access log is on), else an async context of its own (`traceContext`). So whatever that handling
 * starts (a routed call's spans) and logs (`trace_id` / `span_id` on each line, the access line
 * included) knows its trace — without a global OpenTelemetry context manager, so two gateways in
 * one process do not share one.
 *
 * Untraced requests add nothing: reading the context then costs a lookup or two.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { type Context, trace } from '@opentelemetry/api';
import { requestFacts } from '../http/request-facts.ts';

const traceContext = new AsyncLocalStorage<Context>();

/** Runs `work` with `context` as the request's trace context. */
export function runTraced<T>(context: Context, work: () => T): T {
  const facts = requestFacts.getStore();
  if (facts === undefined) return traceContext.run(context, work);
  facts.trace = context;
  return work();
}

/** The trace context of the request being served, if it is traced. */
export function activeTrace(): Context | undefined {
  return (requestFacts.getStore()?.trace as Context | undefined) ?? traceContext.getStore();
}

/** `trace_id` / `span_id` of the span being served, for a log line; `{}` when there is none. */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const active = activeTrace();
  if (active === undefined) return {};
  const span = trace.getSpanContext(active);
  return span ? { trace_id: span.traceId, span_id: span.spanId } : {};
}
