/**
 * A context holding one span over its parent context: what `trace.setSpan(parent, span)` makes,
 * without the copy of the parent's map of values the API's context makes for each — the front door
 * makes one for every request it traces (sampled or not). The span is found under the API's own
 * key (`createContextKey` is `Symbol.for` of its name), so `trace.getSpan` and the propagator read
 * it as they read the API's; a context derived from it (`setValue`, `deleteValue`) is the API's.
 */
import { type Context, createContextKey, type Span, trace } from '@opentelemetry/api';

const SPAN_KEY = createContextKey('OpenTelemetry Context Key SPAN');

class SpanInContext implements Context {
  constructor(
    private readonly parent: Context,
    private readonly span: Span,
  ) {}

  getValue(key: symbol): unknown {
    return key === SPAN_KEY ? this.span : this.parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return trace.setSpan(this.parent, this.span).setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return trace.setSpan(this.parent, this.span).deleteValue(key);
  }
}

/** `parent` with `span` as its span. */
export function withSpan(parent: Context, span: Span): Context {
  return new SpanInContext(parent, span);
}
