import { ROOT_CONTEXT } from '@opentelemetry/api';
import { type SpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { DeferredEndProcessor } from './deferred-processor.ts';

/** The next processor: it writes down what it is told, in order. */
function recording(told: string[]): SpanProcessor {
  return {
    onStart() {},
    onEnd(span) {
      told.push(`end ${span.name}`);
    },
    async forceFlush() {
      told.push('flush');
    },
    async shutdown() {
      told.push('shutdown');
    },
  };
}

function rig(told: string[]) {
  const provider = new TracerProvider({ spanProcessors: [new DeferredEndProcessor(recording(told))] });
  return { provider, tracer: provider.getTracer('test') };
}

describe('DeferredEndProcessor', () => {
  it('hands ended spans on after the current turn, not inside end()', async () => {
    const told: string[] = [];
    const { tracer } = rig(told);
    tracer.startSpan('a', {}, ROOT_CONTEXT).end();
    tracer.startSpan('b', {}, ROOT_CONTEXT).end();
    expect(told).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(told).toEqual(['end a', 'end b']);
  });

  it('hands on what waits at forceFlush and at shutdown, before the next processor flushes or stops', async () => {
    const told: string[] = [];
    const { provider, tracer } = rig(told);
    tracer.startSpan('a', {}, ROOT_CONTEXT).end();
    await provider.forceFlush();
    tracer.startSpan('b', {}, ROOT_CONTEXT).end();
    await provider.shutdown();
    expect(told).toEqual(['end a', 'flush', 'end b', 'shutdown']);
  });
});
