import { FakeClock } from '@switchyard/flow-balancer';
import { describe, expect, it } from 'vitest';
import { Demand } from './demand.ts';

describe('Demand', () => {
  it('measures the arrival rate as an EWMA that decays when uses stop', () => {
    const clock = new FakeClock();
    const d = new Demand(10_000, 500);
    expect(d.ratePerSec(clock.now())).toBe(0);
    for (let i = 0; i < 10; i++) {
      d.arrival(clock.now());
      clock.advance(1000);
    }
    // ~1 use/s for 10 s with a 10 s window: the EWMA has climbed to about 1 − e^(−1) of it.
    const rate = d.ratePerSec(clock.now());
    expect(rate).toBeGreaterThan(0.55);
    expect(rate).toBeLessThan(0.75);
    clock.advance(10_000);
    expect(d.ratePerSec(clock.now())).toBeCloseTo(rate / Math.E, 6);
    clock.advance(60_000);
    expect(d.ratePerSec(clock.now())).toBeLessThan(0.002);
  });

  it('tracks the mean time between uses and the time since the last', () => {
    const d = new Demand(60_000, 500);
    expect(d.figures(0, 1000, 10).meanGapMs).toBe(Number.POSITIVE_INFINITY);
    d.arrival(0);
    d.arrival(100);
    expect(d.figures(100, 1000, 10).meanGapMs).toBe(100);
    d.arrival(1100);
    expect(d.figures(1100, 1000, 10).meanGapMs).toBeCloseTo(100 + 0.2 * 900, 6);
    expect(d.figures(1600, 1000, 10).idleMs).toBe(500);
    expect(d.lastUseAt).toBe(1100);
  });

  it('uses the prior start cost until one is observed, then an EWMA of observations', () => {
    const d = new Demand(60_000, 500);
    expect(d.startCostMs).toBe(500);
    d.observeStart(200);
    expect(d.startCostMs).toBe(200);
    d.observeStart(300);
    expect(d.startCostMs).toBeCloseTo(230, 6);
    d.observeStart(Number.NaN);
    expect(d.startCostMs).toBeCloseTo(230, 6);
  });

  it('derives the value of a resident worker and the chance of a use within the TTL', () => {
    const d = new Demand(1000, 400);
    d.arrival(0);
    const f = d.figures(0, 1000, 32);
    expect(f.ratePerSec).toBe(1);
    expect(f.valueMsPerSec).toBe(400);
    expect(f.useWithinTtl).toBeCloseTo(1 - Math.exp(-1), 6);
    expect(f.memoryMb).toBe(32);
  });
});
