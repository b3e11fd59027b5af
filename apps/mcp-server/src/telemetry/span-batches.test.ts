import { describe, expect, it } from 'vitest';
import { type RequestWriter, SpanBatches } from './span-batches.ts';

/** Export requests as the span ids they carry. */
function idsWriter(): RequestWriter<string, string[]> {
  let ids: string[] = [];
  return {
    get spans() {
      return ids.length;
    },
    add: (id) => ids.push(id),
    take() {
      const taken = ids;
      ids = [];
      return taken;
    },
  };
}

/** Batches whose export requests are kept. */
function batches(options: { maxQueue?: number; maxBatch?: number; failing?: boolean } = {}) {
  const sent: string[][] = [];
  const out = new SpanBatches({
    writer: idsWriter(),
    post: async (body) => {
      sent.push(body);
      if (options.failing) throw new Error('the collector is down');
    },
    ...options,
  });
  return { out, sent };
}

describe('SpanBatches', () => {
  it('sends a full batch after the turn of the event loop that filled it, the rest at flush', async () => {
    const { out, sent } = batches({ maxBatch: 2 });
    for (const id of ['a', 'b', 'c']) out.add(id);
    expect(sent).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([['a', 'b']]);
    await out.flush();
    expect(sent).toEqual([['a', 'b'], ['c']]);
  });

  it('keeps full requests waiting while one is sent, one at a time, in order', async () => {
    const { out, sent } = batches({ maxBatch: 2 });
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) out.add(id);
    await out.flush();
    expect(sent).toEqual([['a', 'b'], ['c', 'd'], ['e', 'f'], ['g']]);
  });

  it('drops spans beyond the queue bound, and after shutdown; a failed export is dropped', async () => {
    const { out, sent } = batches({ maxQueue: 2, maxBatch: 10, failing: true });
    for (const id of ['a', 'b', 'c']) out.add(id);
    expect(out.dropped).toBe(1);
    await out.shutdown();
    expect(sent).toEqual([['a', 'b']]);
    out.add('d');
    expect(out.dropped).toBe(2);
    await out.flush();
    expect(sent).toHaveLength(1);
    // The queue's room is back once a request was taken to be sent.
    const full = batches({ maxQueue: 2, maxBatch: 2 });
    for (const id of ['a', 'b', 'c']) full.out.add(id);
    expect(full.out.dropped).toBe(1);
    await full.out.flush();
    full.out.add('d');
    await full.out.flush();
    expect(full.sent).toEqual([['a', 'b'], ['d']]);
  });
});
