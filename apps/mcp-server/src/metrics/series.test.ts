import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CounterSet, HistogramSet, promCounter, promHistogram } from './series.ts';

describe('series', () => {
  it('aggregates observations per key, labels made once, buckets inclusive of their bound', () => {
    const set = new HistogramSet<{ a: string }>([0.1, 1]);
    let made = 0;
    const labels = () => {
      made++;
      return { a: 'x' };
    };
    for (const v of [0.05, 0.1, 0.5, 2]) set.observe(set.series('x', labels), v);
    expect(made).toBe(1);
    const [series] = [...set.all()];
    expect(series).toMatchObject({ counts: [2, 1, 1], count: 4, min: 0.05, max: 2 });
    expect(series?.sum).toBeCloseTo(2.65);
  });

  it('writes the exposition prom-client writes for its own histogram and counter', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const set = new HistogramSet<{ m: string }>([0.1, 1]);
    const counts = new CounterSet<{ m: string }>();
    const { Histogram, Counter } = await import('prom-client');
    const h = new Histogram({
      name: 'h',
      help: 'h',
      labelNames: ['m'],
      buckets: [0.1, 1],
      registers: [theirs],
    });
    const c = new Counter({ name: 'c_total', help: 'c', labelNames: ['m'], registers: [theirs] });
    for (const [m, v] of [
      ['a', 0.05],
      ['b', 3],
      ['a', 0.5],
    ] as const) {
      set.observe(
        set.series(m, () => ({ m })),
        v,
      );
      counts.add(m, () => ({ m }));
      h.observe({ m }, v);
      c.inc({ m });
    }
    for (const metric of [promHistogram('h', 'h', set, (l) => l), promCounter('c_total', 'c', counts)])
      ours.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });
});
