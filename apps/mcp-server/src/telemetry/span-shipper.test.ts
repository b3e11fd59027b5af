import { afterEach, describe, expect, it } from 'vitest';
import { spanRecordJson } from './span-json.ts';
import type { SpanRecord } from './span-record.ts';
import { SpanShipper } from './span-shipper.ts';

/** An OTLP/HTTP receiver on 127.0.0.1 keeping each export request's spans. */
function receiver() {
  const requests: unknown[][] = [];
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const body = (await request.json()) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
      requests.push(body.resourceSpans[0]!.scopeSpans[0]!.spans);
      return Response.json({});
    },
  });
  return { url: `${server.url.origin}/v1/traces`, requests, stop: () => server.stop(true) };
}

function record(i: number): SpanRecord {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: `b7ad6b71692033${String(i).padStart(2, '0')}`,
    parentSpanId: i === 0 ? undefined : 'b7ad6b7169203300',
    traceState: i === 1 ? 'k=v' : undefined,
    name: `tools/call echo ${i}`,
    kind: 2,
    startMs: 1_700_000_000_000.25 + i,
    endMs: 1_700_000_000_001.5 + i,
    flags: 0x301,
    statusCode: i === 2 ? 2 : 0,
    statusMessage: i === 2 ? 'failed "badly"' : undefined,
    attributes: { 'mcp.method.name': 'tools/call', i, ok: true, list: ['a', 'b'], nan: Number.NaN },
    events: '',
    links: '',
  };
}

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

describe('SpanShipper', () => {
  it('ships ended spans to the span thread, which exports the same OTLP JSON in batches', async () => {
    const collector = receiver();
    stops.push(collector.stop);
    const thread = new Worker(new URL('./span-thread.ts', import.meta.url).href);
    const shipper = new SpanShipper(
      thread,
      {
        kind: 'start',
        exporter: { url: collector.url },
        batches: {
          head: '{"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"scope":{"name":"t"},"spans":[',
          tail: ']}]}]}',
          maxBatch: 2,
        },
      },
      { maxSpans: 3 },
    );
    const records = Array.from({ length: 5 }, (_, i) => record(i));
    for (const r of records) shipper.add(r);
    await shipper.flush();
    expect(collector.requests.flat()).toEqual(records.map((r) => JSON.parse(spanRecordJson(r))));
    expect(collector.requests.every((spans) => spans.length <= 2)).toBe(true);
    await shipper.shutdown();
    // Stopped: takes no more spans, and a flush answers at once.
    shipper.add(record(9));
    await shipper.flush();
    expect(collector.requests.flat()).toHaveLength(5);
  });

  it('a span thread that is gone does not hold up a flush', async () => {
    const thread = new Worker(new URL('./span-thread.ts', import.meta.url).href);
    const shipper = new SpanShipper(thread, {
      kind: 'start',
      exporter: { url: 'http://127.0.0.1:9/v1/traces', attempts: 1 },
      batches: { head: '{"spans":[', tail: ']}' },
    });
    const closed = new Promise((resolve) => thread.addEventListener('close', resolve));
    thread.terminate();
    await closed;
    shipper.add(record(0));
    await shipper.flush();
  });
});
