import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, type Tracer, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  ParentBasedSampler,
  type ReadableSpan,
  type Sampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { counting, countingIds, wireSink } from '../../test/support/span-wire.ts';
import { IdSource } from './ids.ts';
import { LeanTracer, type LeanTracerOptions } from './lean-tracer.ts';
import { exportTraceRequestJson } from './otlp-json.ts';
import { unpackedSpanJson } from './span-json.ts';

/**
 * A lean tracer whose ended spans' JSON is kept: each record packed and written as the span thread
 * gets and writes it (after the JSON round trip of its message).
 */
function lean(
  sampler: Sampler = new ParentBasedSampler({ root: new AlwaysOnSampler() }),
  options: LeanTracerOptions = {},
) {
  const ended: string[] = [];
  const sink = wireSink((span) => ended.push(unpackedSpanJson(span)));
  const tracer = new LeanTracer(sampler, sink, new IdSource(counting()), options);
  return { tracer, spans: () => ended.map((json) => JSON.parse(json) as Record<string, unknown>) };
}

/** The same calls on either tracer: a remote caller's span, a server span, its client child. */
function traceOnce(tracer: Tracer): void {
  const caller = new W3CTraceContextPropagator().extract(
    ROOT_CONTEXT,
    { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'k=v' },
    { get: (c, k) => (c as Record<string, string>)[k], keys: (c) => Object.keys(c) },
  );
  const server = tracer.startSpan(
    'tools/call echo',
    { kind: SpanKind.SERVER, startTime: 1_700_000_000_000.25 },
    caller,
  );
  server.setAttributes({ 'mcp.method.name': 'tools/call', 'jsonrpc.request.id': '7' });
  const client = tracer.startSpan(
    'tools/call echo',
    {
      kind: SpanKind.CLIENT,
      startTime: 1_700_000_000_001,
      attributes: { s: 'a\nb"c', i: 42, d: 1.5, b: true, list: ['x', 'y'] },
    },
    trace.setSpan(caller, server),
  );
  client.addEvent('retry', { n: 1 }, 1_700_000_000_002);
  client.recordException(new TypeError('boom'), 1_700_000_000_003);
  client.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' });
  client.setStatus({ code: SpanStatusCode.UNSET });
  client.end(1_700_000_000_004);
  server.setAttribute('error.type', 'tool_error');
  server.end(1_700_000_000_005.5);
  // Ended: changes nothing, and is not exported again.
  server.setAttribute('late', true);
  server.end();
}

describe('LeanTracer', () => {
  it('exports the same OTLP JSON spans as the SDK for the same calls', () => {
    const { tracer, spans } = lean();
    traceOnce(tracer);
    const ended: ReadableSpan[] = [];
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'sy' }),
      idGenerator: countingIds(),
      spanProcessors: [
        {
          onStart: () => {},
          onEnd: (s) => ended.push(s),
          forceFlush: async () => {},
          shutdown: async () => {},
        },
      ],
    });
    traceOnce(provider.getTracer('scope'));
    const sdk = JSON.parse(exportTraceRequestJson(ended)).resourceSpans[0].scopeSpans[0].spans;
    // The exception's stack differs by the line it was made on; the rest is the same.
    const stackless = (list: Record<string, unknown>[]) =>
      JSON.parse(
        JSON.stringify(list).replace(/"stringValue":"TypeError: boom[^"]*"/g, '"stringValue":"stack"'),
      );
    expect(stackless(spans())).toEqual(stackless(sdk));
    expect(spans()).toHaveLength(2);
    const [client, server] = spans() as {
      traceId: string;
      parentSpanId?: string;
      spanId: string;
      flags: number;
    }[];
    expect(server?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(server?.parentSpanId).toBe('b7ad6b7169203331');
    expect(server?.flags).toBe(0x301);
    expect(client?.parentSpanId).toBe(server?.spanId);
    expect(client?.flags).toBe(0x101);
  });

  it('samples as configured: a caller not sampled, a ratio of 0 at the root', () => {
    const { tracer, spans } = lean(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(1) }));
    const unsampledCaller = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.NONE,
      isRemote: true,
    });
    const followed = tracer.startSpan('a', {}, unsampledCaller);
    expect(followed.isRecording()).toBe(false);
    expect(followed.spanContext()).toMatchObject({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      traceFlags: 0,
    });
    followed.end();
    const never = lean(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0) }));
    const root = never.tracer.startSpan('b', {}, ROOT_CONTEXT);
    expect(root.isRecording()).toBe(false);
    expect(trace.isSpanContextValid(root.spanContext())).toBe(true);
    root.end();
    expect(spans()).toEqual([]);
    expect(never.spans()).toEqual([]);
    // `root: true` starts a trace of its own, whatever the context holds.
    const own = tracer.startSpan('c', { root: true }, unsampledCaller);
    expect(own.isRecording()).toBe(true);
    expect(own.spanContext().traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it('recordsChildrenOfRecorded: the same spans as asking the sampler for each child', () => {
    for (const sampler of [
      new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(1) }),
      new TraceIdRatioBasedSampler(1),
    ]) {
      const asked = lean(sampler);
      const skipped = lean(sampler, { recordsChildrenOfRecorded: true });
      traceOnce(asked.tracer);
      traceOnce(skipped.tracer);
      const root = skipped.tracer.startSpan('root', {}, ROOT_CONTEXT);
      skipped.tracer
        .startSpan('child', { startTime: 1_700_000_000_000 }, trace.setSpan(ROOT_CONTEXT, root))
        .end(1_700_000_000_001);
      const alsoRoot = asked.tracer.startSpan('root', {}, ROOT_CONTEXT);
      asked.tracer
        .startSpan('child', { startTime: 1_700_000_000_000 }, trace.setSpan(ROOT_CONTEXT, alsoRoot))
        .end(1_700_000_000_001);
      // The exception's stack differs by the line it was made on; the rest is the same.
      const stackless = (list: Record<string, unknown>[]) =>
        JSON.stringify(list).replace(/"stringValue":"TypeError: boom[^"]*"/g, '"stringValue":"stack"');
      expect(stackless(skipped.spans())).toEqual(stackless(asked.spans()));
      expect(skipped.spans()).toHaveLength(3);
    }
  });

  it('startActiveSpan hands the span to the function and returns what it returns', () => {
    const { tracer, spans } = lean();
    const result = tracer.startActiveSpan('work', (span) => {
      span.end();
      return 42;
    });
    expect(result).toBe(42);
    expect(spans().map((s) => s.name)).toEqual(['work']);
  });
});

describe('IdSource', () => {
  it('never hands out an all-zero id', () => {
    let calls = 0;
    const ids = new IdSource((into) => {
      calls++;
      into.fill(calls === 1 ? 0 : 0xab);
    });
    expect(ids.spanId()).toBe('abababababababab');
    expect(ids.traceId()).toBe('ab'.repeat(16));
  });
});
