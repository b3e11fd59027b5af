import { describe, expect, it } from 'vitest';
import { Histogram } from './histogram.ts';

describe('Histogram', () => {
  it('is empty at first', () => {
    expect(new Histogram().snapshot()).toEqual({ count: 0, min: 0, max: 0, mean: 0, p50: 0, p90: 0, p99: 0 });
  });

  it('reads percentiles within its precision', () => {
    const h = new Histogram();
    for (let i = 1; i <= 1000; i++) h.record(i / 10); // 0.1 … 100 ms
    const s = h.snapshot();
    expect(s.count).toBe(1000);
    expect(s.min).toBeCloseTo(0.1);
    expect(s.max).toBeCloseTo(100);
    expect(s.mean).toBeCloseTo(50.05, 1);
    expect(s.p50 / 50).toBeGreaterThan(0.95);
    expect(s.p50 / 50).toBeLessThan(1.05);
    expect(s.p90 / 90).toBeGreaterThan(0.95);
    expect(s.p90 / 90).toBeLessThan(1.05);
    expect(s.p99 / 99).toBeGreaterThan(0.95);
    expect(s.p99).toBeLessThanOrEqual(100);
  });

  it('handles zero, tiny and huge values, ignores NaN and negatives', () => {
    const h = new Histogram();
    h.record(0);
    h.record(0.0001);
    h.record(1e12);
    h.record(Number.NaN);
    h.record(-1);
    expect(h.count).toBe(3);
    expect(h.quantile(0.1)).toBeLessThanOrEqual(0.001);
    expect(h.quantile(1)).toBe(1e12);
    h.reset();
    expect(h.count).toBe(0);
  });
});
