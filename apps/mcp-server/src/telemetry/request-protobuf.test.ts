import { ROOT_CONTEXT, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, type ReadableSpan, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { decodeTraceRequest } from '../../test/support/otlp-protobuf.ts';
import { counting, countingIds, wireSink } from '../../test/support/span-wire.ts';
import { IdSource } from './ids.ts';
import { LeanTracer } from './lean-tracer.ts';
import type { RequestEnvelope } from './request-envelope.ts';
import { ProtobufRequestWriter } from './request-protobuf.ts';
import { type Packed, SpanPacker, SpanUnpacker } from './span-pack.ts';

const LONG = `${'x'.repeat(200)}é`;

/** Every kind of thing the gateway's spans carry, the same calls on either tracer. */
function traceAll(tracer: Tracer): void {
  const caller = new W3CTraceContextPropagator().extract(
    ROOT_CONTEXT,
    { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'k=v,a=b' },
    { get: (c, k) => (c as Record<string, string>)[k], keys: (c) => Object.keys(c) },
  );
  const server = tracer.startSpan(
    'tools/call echo',
    { kind: SpanKind.SERVER, startTime: 1_700_000_000_000.25 },
    caller,
  );
  server.setAttributes({
    'mcp.method.name': 'tools/call',
    'jsonrpc.request.id': '7',
    ascii: 'plain',
    unicode: 'é→✓ 𝄞',
    long: LONG,
    int: 42,
    negative: -5,
    big: 2 ** 40,
    huge: 2 ** 70,
    double: 1.5,
    nan: Number.NaN,
    infinite: Number.NEGATIVE_INFINITY,
    yes: true,
    no: false,
    strings: ['x', 'é'],
    numbers: [1, 2.5, -3],
    bools: [true, false],
  });
  const client = tracer.startSpan(
    'tools/call echo',
    {
      kind: SpanKind.CLIENT,
      startTime: 1_700_000_000_001,
      links: [
        {
          context: {
            traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
            spanId: '00f067aa0ba902b7',
            traceFlags: 1,
            isRemote: true,
          },
          attributes: { why: 'batch', n: 3 },
        },
      ],
    },
    trace.setSpan(caller, server),
  );
  client.addEvent('retry', { n: 1, reason: 'busy', list: ['a'] }, 1_700_000_000_002.5);
  client.addEvent('bare', undefined, 1_700_000_000_003);
  client.recordException(
    { name: 'TypeError', message: 'boom', stack: 'TypeError: boom\n  at here' },
    1_700_000_000_003,
  );
  client.setStatus({ code: SpanStatusCode.ERROR, message: 'failed "badly" é' });
  client.end(1_700_000_000_004);
  server.setStatus({ code: SpanStatusCode.OK });
  server.end(1_700_000_000_005.5);
  // (A child: a root span's ids are made in another order by the SDK.)
  const internal = tracer.startSpan(
    'switchyard.backend.acquire',
    { startTime: 1_700_000_000_006 },
    trace.setSpan(caller, server),
  );
  internal.end(1_700_000_000_017.125);
}

/** The lean tracer's spans, through the packer and a JSON round trip, written as protobuf. */
function leanRequest(envelope: RequestEnvelope): Uint8Array {
  const writer = new ProtobufRequestWriter(envelope);
  const sink = wireSink((s) => writer.add(s));
  traceAll(new LeanTracer(new AlwaysOnSampler(), sink, new IdSource(counting())));
  expect(writer.spans).toBe(3);
  return writer.take();
}

function sdkSpans(): ReadableSpan[] {
  const ended: ReadableSpan[] = [];
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'sy', 'service.version': '1.2.3' }),
    idGenerator: countingIds(),
    sampler: new AlwaysOnSampler(),
    spanProcessors: [
      {
        onStart: () => {},
        onEnd: (s) => ended.push(s),
        forceFlush: async () => {},
        shutdown: async () => {},
      },
    ],
  });
  traceAll(provider.getTracer('@switchyard/mcp-server', '9.9.9'));
  return ended;
}

describe('ProtobufRequestWriter', () => {
  it('writes the bytes the SDK’s ProtobufTraceSerializer writes for the same spans', () => {
    const ended = sdkSpans();
    const resource = ended[0]!.resource;
    const envelope: RequestEnvelope = {
      resource: { attributes: resource.attributes as RequestEnvelope['resource']['attributes'] },
      scope: { name: '@switchyard/mcp-server', version: '9.9.9' },
    };
    const ours = leanRequest(envelope);
    const sdk = ProtobufTraceSerializer.serializeRequest(ended)!;
    // Read back the same (the reader shares nothing with either writer)…
    expect(decodeTraceRequest(ours)).toEqual(decodeTraceRequest(sdk));
    // …and byte for byte.
    expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(sdk).toString('hex'));
    const [client, server, internal] = decodeTraceRequest(ours).resourceSpans[0]!.scopeSpans[0]!.spans as {
      name: string;
      attributes: { key: string; value: Record<string, unknown> }[];
      events: unknown[];
      links: unknown[];
      status: unknown;
      traceState?: string;
      endTimeUnixNano: string;
    }[];
    expect(client!.events).toHaveLength(3);
    expect(client!.links).toHaveLength(1);
    expect(client!.status).toEqual({ code: 2, message: 'failed "badly" é' });
    expect(server!.traceState).toBe('k=v,a=b');
    const value = (key: string) => server!.attributes.find((a) => a.key === key)?.value;
    expect(value('unicode')).toEqual({ stringValue: 'é→✓ 𝄞' });
    expect(value('long')).toEqual({ stringValue: LONG });
    expect(value('negative')).toEqual({ intValue: -5 });
    expect(value('nan')).toEqual({ doubleValue: Number.NaN });
    expect(value('infinite')).toEqual({ doubleValue: Number.NEGATIVE_INFINITY });
    expect(internal!.endTimeUnixNano).toBe('1700000000017125000');
  });

  it('starts each request empty; a buffer is written into again only once its request was released', () => {
    const envelope: RequestEnvelope = {
      resource: { attributes: { 'service.name': 'a' } },
      scope: { name: 's', version: '1' },
    };
    const writer = new ProtobufRequestWriter(envelope);
    const unpacker = new SpanUnpacker();
    const packer = new SpanPacker();
    const packed: Packed = [];
    for (let i = 0; i < 600; i++)
      packer.pack(packed, {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: `b7ad6b71692033${String(i % 100).padStart(2, '0')}`,
        parentSpanId: undefined,
        traceState: undefined,
        name: `span ${i}`,
        kind: 2,
        startMs: 1_700_000_000_000 + i,
        endMs: 1_700_000_000_001 + i,
        flags: 0x101,
        statusCode: 0,
        statusMessage: undefined,
        attributes: { i, text: 'y'.repeat(i) },
        events: '',
        links: '',
      });
    const batch = JSON.stringify(packed);
    unpacker.unpack(JSON.parse(batch) as Packed, (s) => writer.add(s));
    const body = writer.take();
    const first = decodeTraceRequest(body);
    expect(first.resourceSpans[0]!.scopeSpans[0]!.spans).toHaveLength(600);
    expect(first.resourceSpans[0]!.scopeSpans[0]!.spans[599]).toMatchObject({ name: 'span 599' });
    expect(writer.spans).toBe(0);
    const empty = writer.take();
    expect(decodeTraceRequest(empty).resourceSpans[0]!.scopeSpans[0]!.spans).toEqual([]);
    // A body not released yet is not written into; released, its memory is, for a later request.
    const again = new SpanUnpacker();
    again.unpack(JSON.parse(batch) as Packed, (s) => writer.add(s));
    const second = writer.take();
    expect(decodeTraceRequest(body)).toEqual(first);
    expect(decodeTraceRequest(second)).toEqual(first);
    writer.release(body);
    writer.release(empty);
    for (let round = 0; round < 3; round++) {
      const next = new SpanUnpacker();
      next.unpack(JSON.parse(batch) as Packed, (s) => writer.add(s));
      const taken = writer.take();
      expect(decodeTraceRequest(taken)).toEqual(first);
      expect(decodeTraceRequest(second)).toEqual(first);
      writer.release(taken);
    }
  });
});
