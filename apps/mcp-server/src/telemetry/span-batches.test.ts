import { describe, expect, it } from 'vitest';
import { SpanBatches } from './span-batches.ts';

/** Batches whose export requests are kept (as the span ids they carry). */
function batches(options: { maxQueue?: number; maxBatch?: number; failing?: boolean } = {}) {
  const sent: string[][] = [];
  const out = new SpanBatches({
    head: '{"spans":[',
    tail: ']}',
    post: async (body) => {
      sent.push((JSON.parse(body) as { spans: { id: string }[] }).spans.map((s) => s.id));
      if (options.failing) throw new Error('the collector is down');
    },
    ...options,
  });
  return { out, sent };
}

const span = (id: string) => JSON.stringify({ id });

describe('SpanBatches', () => {
  it('sends a full batch after the turn of the event loop that filled it, the rest at flush', async () => {
    const { out, sent } = batches({ maxBatch: 2 });
    for (const id of ['a', 'b', 'c']) out.add(span(id));
    expect(sent).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([['a', 'b']]);
    await out.flush();
    expect(sent).toEqual([['a', 'b'], ['c']]);
  });

  it('drops spans beyond the queue bound, and after shutdown; a failed export is dropped', async () => {
    const { out, sent } = batches({ maxQueue: 2, maxBatch: 10, failing: true });
    for (const id of ['a', 'b', 'c']) out.add(span(id));
    expect(out.dropped).toBe(1);
    await out.shutdown();
    expect(sent).toEqual([['a', 'b']]);
    out.add(span('d'));
    expect(out.dropped).toBe(2);
    await out.flush();
    expect(sent).toHaveLength(1);
  });
});
