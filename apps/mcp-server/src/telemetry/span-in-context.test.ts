import { createContextKey, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { withSpan } from './span-in-context.ts';

const span = trace.wrapSpanContext({
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
});
const other = trace.wrapSpanContext({ ...span.spanContext(), spanId: '00f067aa0ba902b7' });

describe('withSpan', () => {
  it('reads as trace.setSpan does: the span under the API key, the parent’s other values', () => {
    const key = createContextKey('a key');
    const parent = trace.setSpan(ROOT_CONTEXT.setValue(key, 'v'), other);
    const context = withSpan(parent, span);
    expect(trace.getSpan(context)).toBe(span);
    expect(trace.getSpanContext(context)).toEqual(span.spanContext());
    expect(context.getValue(key)).toBe('v');
    // Derived contexts keep both; deleting the span leaves the parent's other values.
    const more = context.setValue(createContextKey('b'), 2);
    expect(trace.getSpan(more)).toBe(span);
    expect(more.getValue(key)).toBe('v');
    const without = trace.deleteSpan(context);
    expect(trace.getSpan(without)).toBeUndefined();
    expect(without.getValue(key)).toBe('v');
    expect(trace.getSpan(parent)).toBe(other);
  });
});
