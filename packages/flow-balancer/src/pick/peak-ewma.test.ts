import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.ts';
import { PeakEwma } from './peak-ewma.ts';

describe('PeakEwma', () => {
  it('jumps to a peak at once', () => {
    const clock = new FakeClock();
    const ewma = new PeakEwma({ decayMs: 1000, clock });
    ewma.observe(10);
    expect(ewma.value).toBe(10);
    clock.advance(1);
    ewma.observe(500);
    expect(ewma.value).toBe(500);
  });

  it('falls toward lower latencies with weight 1 − e^(−Δt/decay)', () => {
    const clock = new FakeClock();
    const ewma = new PeakEwma({ decayMs: 1000, clock });
    ewma.observe(100);
    clock.advance(1000);
    ewma.observe(20);
    const w = Math.exp(-1);
    expect(ewma.value).toBeCloseTo(100 * w + 20 * (1 - w), 9);
  });

  it('does not move on a lower sample with no time elapsed', () => {
    const clock = new FakeClock();
    const ewma = new PeakEwma({ clock });
    ewma.observe(100);
    ewma.observe(1);
    expect(ewma.value).toBe(100);
  });

  it('decays toward 0 while idle', () => {
    const clock = new FakeClock();
    const ewma = new PeakEwma({ decayMs: 100, clock });
    ewma.observe(80);
    clock.advance(100);
    expect(ewma.value).toBeCloseTo(80 * Math.exp(-1), 9);
    clock.advance(10_000);
    expect(ewma.value).toBeLessThan(1e-9);
  });

  it('starts at initialMs and rejects bad input', () => {
    expect(new PeakEwma({ initialMs: 7, clock: new FakeClock() }).value).toBe(7);
    expect(new PeakEwma().decayMs).toBe(10_000);
    const ewma = new PeakEwma({ clock: new FakeClock() });
    expect(() => ewma.observe(Number.NaN)).toThrow(
      /PeakEwma.observe: "latencyMs" must be a finite number ≥ 0; found NaN/,
    );
    expect(() => ewma.observe(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => ewma.observe(-1)).toThrow(RangeError);
    expect(() => new PeakEwma({ decayMs: 0 })).toThrow(/"decayMs"/);
  });
});
