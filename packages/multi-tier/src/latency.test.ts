import { describe, expect, it } from 'vitest';
import { LatencyRecorder } from './latency.ts';

describe('LatencyRecorder', () => {
  it('reports count, min, max, mean and percentiles', () => {
    const l = new LatencyRecorder();
    expect(l.snapshot()).toEqual({ count: 0, min: 0, max: 0, mean: 0, p50: 0, p90: 0, p99: 0 });
    for (let i = 100; i >= 1; i--) l.record(i);
    l.record(Number.NaN);
    expect(l.snapshot()).toEqual({ count: 100, min: 1, max: 100, mean: 50.5, p50: 50, p90: 90, p99: 99 });
  });

  it('keeps percentiles over the most recent samples', () => {
    const l = new LatencyRecorder(4);
    for (const ms of [1000, 1000, 1000, 1000, 1, 2, 3, 4]) l.record(ms);
    expect(l.snapshot()).toMatchObject({ count: 8, max: 1000, p50: 2, p99: 4 });
  });
});
