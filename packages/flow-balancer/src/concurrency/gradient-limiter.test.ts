import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.ts';
import { GradientLimiter, type GradientLimiterOptions } from './gradient-limiter.ts';
import type { Permit } from './limiter.ts';

/** A limiter on a fake clock with no jitter, probing one request at a time unless told otherwise. */
function setup(options: GradientLimiterOptions) {
  const clock = new FakeClock();
  const limiter = new GradientLimiter({ probeLimit: 1, clock, random: () => 0, ...options });
  return { clock, limiter };
}

function hold(limiter: GradientLimiter, n: number): Permit[] {
  const out: Permit[] = [];
  for (let i = 0; i < n; i++) {
    const p = limiter.tryAcquire();
    if (p === undefined) break;
    out.push(p);
  }
  return out;
}

/** Completes probe samples, one permit at a time, each with `latencyMs`. */
function probe(limiter: GradientLimiter, samples: number, latencyMs: (i: number) => number): void {
  for (let i = 0; i < samples; i++)
    limiter.tryAcquire()!.release({ latencyMs: latencyMs(i), outcome: 'success' });
}

/** A round of `limit` concurrent requests, all finishing with `latencyMs`. */
function round(limiter: GradientLimiter, latencyMs: number): void {
  for (const p of hold(limiter, limiter.limit)) p.release({ latencyMs, outcome: 'success' });
}

/** A limiter past its first probe, with a baseline of 10 ms. */
function running(options: GradientLimiterOptions): GradientLimiter {
  const { limiter } = setup({ probeSamples: 1, ...options });
  probe(limiter, 1, () => 10);
  return limiter;
}

describe('GradientLimiter', () => {
  it('starts by probing its baseline at probeLimit', () => {
    const { limiter } = setup({ initialLimit: 20, probeLimit: 2, probeSamples: 5 });
    expect(limiter.state.kind).toBe('probing');
    expect(limiter.limit).toBe(2);
    expect(hold(limiter, 5)).toHaveLength(2);
  });

  it('takes the median latency of the probe as the baseline, then resumes at initialLimit', () => {
    const { limiter } = setup({ initialLimit: 20, probeSamples: 5 });
    probe(limiter, 5, (i) => [50, 10, 30, 20, 40][i]!);
    expect(limiter.minRttMs).toBe(30);
    expect(limiter.state).toEqual({ kind: 'running', minRttMs: 30, nextProbeAt: 60_000 });
    expect(limiter.limit).toBe(20);
  });

  it('grows while latency stays near the baseline and shrinks when it rises', () => {
    const limiter = running({ initialLimit: 20 });
    round(limiter, 12); // within tolerance 1.5 × 10
    const grown = limiter.limit;
    expect(grown).toBeGreaterThan(20);
    for (let i = 0; i < 5; i++) round(limiter, 12);
    expect(limiter.limit).toBeGreaterThan(grown);
    const before = limiter.limit;
    round(limiter, 60); // 6× the baseline
    expect(limiter.limit).toBeLessThan(before);
    for (let i = 0; i < 20; i++) round(limiter, 60);
    expect(limiter.limit).toBeLessThan(20);
    expect(limiter.limit).toBeGreaterThanOrEqual(1);
  });

  it('shrinks on drops and ignores failures', () => {
    const limiter = running({ initialLimit: 40 });
    for (const p of hold(limiter, 40)) p.release({ latencyMs: 1000, outcome: 'failure' });
    expect(limiter.limit).toBe(40);
    for (const p of hold(limiter, 40)) p.release({ latencyMs: 1, outcome: 'dropped' });
    expect(limiter.limit).toBeLessThan(40);
  });

  it('does not move while the limit is mostly unused', () => {
    const limiter = running({ initialLimit: 40 });
    for (let i = 0; i < 50; i++) limiter.tryAcquire()!.release({ latencyMs: 100, outcome: 'success' });
    expect(limiter.limit).toBe(40);
  });

  it('re-probes after the interval (with jitter), ignoring permits granted before the probe', () => {
    const { clock, limiter } = setup({
      initialLimit: 10,
      probeLimit: 2,
      probeSamples: 2,
      probeIntervalMs: 1000,
      probeJitter: 0.5,
      random: () => 0.5,
    });
    probe(limiter, 2, () => 10);
    expect(limiter.state).toEqual({ kind: 'running', minRttMs: 10, nextProbeAt: 1250 });
    const old = hold(limiter, 5);
    clock.advance(1250);
    old.pop()!.release({ latencyMs: 10, outcome: 'success' }); // notices the probe is due
    expect(limiter.state.kind).toBe('probing');
    expect(limiter.limit).toBe(2);
    for (const p of old) p.release({ latencyMs: 1, outcome: 'success' }); // granted before: not samples
    expect(limiter.state).toMatchObject({ kind: 'probing', samples: 0 });
    probe(limiter, 2, () => 40);
    expect(limiter.state).toMatchObject({ kind: 'running', minRttMs: 40 });
    expect(limiter.limit).toBe(10);
  });

  it('stays within [minLimit, maxLimit]', () => {
    const limiter = running({ initialLimit: 5, minLimit: 3, maxLimit: 8, probeLimit: 3 });
    for (let i = 0; i < 50; i++) round(limiter, 10);
    expect(limiter.limit).toBe(8);
    // Under sustained overload limit × ½ + √limit settles at 4, above minLimit 3.
    for (let i = 0; i < 50; i++) round(limiter, 1000);
    expect(limiter.limit).toBe(4);
  });

  it('reaches minLimit when the headroom allows it', () => {
    const limiter = running({ initialLimit: 50, minLimit: 3, probeLimit: 3, headroom: () => 0 });
    for (let i = 0; i < 50; i++) round(limiter, 1000);
    expect(limiter.limit).toBe(3);
  });

  it('rejects bad options', () => {
    expect(() => new GradientLimiter({ tolerance: 0.5 })).toThrow(/"tolerance" must be a finite number ≥ 1/);
    expect(() => new GradientLimiter({ smoothing: 0 })).toThrow(/"smoothing"/);
    expect(() => new GradientLimiter({ smoothing: 1.5 })).toThrow(RangeError);
    expect(() => new GradientLimiter({ probeIntervalMs: -1 })).toThrow(/"probeIntervalMs"/);
    expect(() => new GradientLimiter({ probeJitter: 2 })).toThrow(/"probeJitter"/);
    expect(() => new GradientLimiter({ minLimit: 5, probeLimit: 2 })).toThrow(
      /"probeLimit" must be an integer ≥ 5/,
    );
    expect(() => new GradientLimiter({ probeSamples: 0 })).toThrow(/"probeSamples"/);
    expect(() => new GradientLimiter({ headroom: 4 as never })).toThrow(/"headroom" must be a function/);
  });
});
