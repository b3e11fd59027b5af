import { describe, expect, it } from 'vitest';
import { Activity } from './activity.ts';

const call = (i: number, outcome = 'ok') => ({
  sessionId: 's',
  method: 'tools/call',
  name: `t${i}`,
  backend: 'b',
  outcome,
  durationMs: i,
  time: i,
});

describe('Activity', () => {
  it('keeps the latest 50 calls newest first, totals, and percentiles over the last 1024', () => {
    let now = 100_000;
    const activity = new Activity(() => now);
    for (let i = 1; i <= 2000; i++) activity.record(call(i, i % 10 === 0 ? 'error' : 'ok') as never);
    const calls = activity.calls();
    expect(calls).toHaveLength(50);
    expect(calls[0]!.name).toBe('t2000');
    expect(calls[49]!.name).toBe('t1951');
    const f = activity.figures();
    expect(f.total).toBe(2000);
    expect(f.errors).toBe(200);
    // The last 1024 durations are 977…2000.
    expect(f.p50Ms).toBe(977 + 512);
    expect(f.p99Ms).toBe(977 + Math.floor(0.99 * 1024));
    now += 61_000;
    expect(activity.figures().ratePerSec).toBe(0);
  });

  it('starts empty and tells listeners of each call', () => {
    const activity = new Activity(() => 0);
    expect(activity.calls()).toEqual([]);
    expect(activity.figures()).toMatchObject({ total: 0, p50Ms: null });
    const heard: string[] = [];
    const off = activity.subscribe((c) => heard.push(c.name ?? ''));
    activity.record(call(1) as never);
    off();
    activity.record(call(2) as never);
    expect(heard).toEqual(['t1']);
    expect(activity.calls().map((c) => c.name)).toEqual(['t2', 't1']);
  });
});
