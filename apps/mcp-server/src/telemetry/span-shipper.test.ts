import { afterEach, describe, expect, it } from 'vitest';
import { decodeTraceRequest } from '../../test/support/otlp-protobuf.ts';
import { spanRecordJson } from './span-json.ts';
import type { OtlpProtocol, ToSpanThread } from './span-messages.ts';
import type { SpanRecord } from './span-record.ts';
import { SpanShipper, type SpanShipperOptions } from './span-shipper.ts';

/** An OTLP/HTTP receiver on 127.0.0.1 keeping each export request's spans (protobuf or JSON) and content type. */
function receiver() {
  const requests: unknown[][] = [];
  const types: string[] = [];
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const type = request.headers.get('content-type') ?? '';
      types.push(type);
      const body =
        type === 'application/x-protobuf'
          ? decodeTraceRequest(new Uint8Array(await request.arrayBuffer()))
          : ((await request.json()) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] });
      // NaN as JSON has it (null), to compare with the JSON documents.
      requests.push(JSON.parse(JSON.stringify(body.resourceSpans[0]!.scopeSpans[0]!.spans)));
      return Response.json({});
    },
  });
  return { url: `${server.url.origin}/v1/traces`, requests, types, stop: () => server.stop(true) };
}

const spawn = () => new Worker(new URL('./span-thread.ts', import.meta.url).href);

function start(
  url: string,
  protocol: OtlpProtocol,
  maxBatch?: number,
): Extract<ToSpanThread, { kind: 'start' }> {
  return {
    kind: 'start',
    protocol,
    exporter: { url, attempts: 1 },
    envelope: { resource: { attributes: { 'service.name': 't' } }, scope: { name: 't', version: '1' } },
    batches: { maxBatch },
  };
}

/** A shipper whose span threads are kept (the last one started: `threads.at(-1)`). */
function shipper(
  url: string,
  protocol: OtlpProtocol,
  options: SpanShipperOptions & { maxBatch?: number } = {},
) {
  const threads: Worker[] = [];
  const out = new SpanShipper(
    () => {
      const thread = spawn();
      threads.push(thread);
      return thread;
    },
    start(url, protocol, options.maxBatch),
    options,
  );
  return { out, threads };
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
  for (const protocol of ['http/protobuf', 'http/json'] as const)
    it(`ships ended spans to the span thread, which exports them in batches (${protocol})`, async () => {
      const collector = receiver();
      stops.push(collector.stop);
      const { out: ship } = shipper(collector.url, protocol, { maxSpans: 3, maxBatch: 2 });
      const records = Array.from({ length: 5 }, (_, i) => record(i));
      for (const r of records) ship.add(r);
      await ship.flush();
      // The same spans either way: the protobuf read back is the JSON's document.
      expect(collector.requests.flat()).toEqual(records.map((r) => JSON.parse(spanRecordJson(r))));
      expect(collector.requests.every((spans) => spans.length <= 2)).toBe(true);
      expect(new Set(collector.types)).toEqual(
        new Set([protocol === 'http/protobuf' ? 'application/x-protobuf' : 'application/json']),
      );
      await ship.shutdown();
      // Stopped: takes no more spans, and a flush answers at once.
      ship.add(record(9));
      await ship.flush();
      expect(collector.requests.flat()).toHaveLength(5);
    });

  it('drops spans past the batches the span thread has not read yet, and counts them', async () => {
    const collector = receiver();
    stops.push(collector.stop);
    const { out: ship } = shipper(collector.url, 'http/protobuf', { maxSpans: 1, maxUnread: 1 });
    // Shipped at once (1 span a batch); the thread's acknowledgement cannot come within this turn.
    ship.add(record(0));
    ship.add(record(1));
    ship.add(record(2));
    expect(ship.droppedBehind).toBe(2);
    expect(ship.dropped).toBe(2);
    await ship.flush();
    // Read (the flush's answer comes after the batch's): room again.
    ship.add(record(3));
    await ship.flush();
    expect(collector.requests.flat().map((s) => (s as { name: string }).name)).toEqual([
      'tools/call echo 0',
      'tools/call echo 3',
    ]);
    await ship.shutdown();
  });

  it('starts a span thread again after it died, and exports with the new one', async () => {
    const collector = receiver();
    stops.push(collector.stop);
    const { out: ship, threads } = shipper(collector.url, 'http/protobuf', { maxSpans: 2, restartMs: 10 });
    ship.add(record(0));
    await ship.flush();
    const first = threads[0]!;
    const closed = new Promise((resolve) => first.addEventListener('close', resolve));
    first.terminate();
    await closed;
    // Gone: dropped and counted, until the new thread is up.
    ship.add(record(1));
    expect(ship.droppedBehind).toBe(1);
    await expect.poll(() => ship.restarts, { timeout: 15_000 }).toBe(1);
    expect(threads).toHaveLength(2);
    // The new thread numbers the keys anew, as the new packer does.
    for (const i of [2, 3, 4]) ship.add(record(i));
    await ship.flush();
    expect(collector.requests.flat()).toEqual([0, 2, 3, 4].map((i) => JSON.parse(spanRecordJson(record(i)))));
    await ship.shutdown();
    expect(ship.restarts).toBe(1);
  });

  it('a span thread that cannot be started again is tried again later', async () => {
    const collector = receiver();
    stops.push(collector.stop);
    let spawned = 0;
    const threads: Worker[] = [];
    const ship = new SpanShipper(
      () => {
        // The first restart fails to start a thread at all.
        if (++spawned === 2) throw new Error('no thread today');
        const thread = spawn();
        threads.push(thread);
        return thread;
      },
      start(collector.url, 'http/protobuf'),
      { restartMs: 5 },
    );
    const first = threads[0]!;
    const closed = new Promise((resolve) => first.addEventListener('close', resolve));
    first.terminate();
    await closed;
    await expect.poll(() => threads.length, { timeout: 15_000 }).toBe(2);
    expect(ship.restarts).toBe(2);
    ship.add(record(0));
    await ship.flush();
    expect(collector.requests.flat()).toHaveLength(1);
    await ship.shutdown();
  });

  it('a span thread that is gone does not hold up a flush', async () => {
    const { out: ship, threads } = shipper('http://127.0.0.1:9/v1/traces', 'http/json', {
      restartMs: 60_000,
    });
    const thread = threads[0]!;
    const closed = new Promise((resolve) => thread.addEventListener('close', resolve));
    thread.terminate();
    await closed;
    ship.add(record(0));
    await ship.flush();
    ship.close();
  });
});
