import { describe, expect, it } from 'vitest';
import { AimdLimiter } from './aimd-limiter.ts';
import type { Permit } from './limiter.ts';

function hold(limiter: AimdLimiter, n: number): Permit[] {
  return Array.from({ length: n }, () => limiter.tryAcquire()!);
}

describe('AimdLimiter', () => {
  it('grows by one per success while at least half the limit is in use', () => {
    const limiter = new AimdLimiter({ initialLimit: 10 });
    const permits = hold(limiter, 6);
    for (const p of permits) p.release({ latencyMs: 10, outcome: 'success' });
    // in flight seen at acquire: 1..6; those ≥ 5 (half of 10, then 11) grow it: 5 → 11, 6 → 12
    expect(limiter.limit).toBe(12);
  });

  it('does not grow while the limit is mostly unused (app-limited)', () => {
    const limiter = new AimdLimiter({ initialLimit: 10 });
    for (let i = 0; i < 100; i++) limiter.tryAcquire()!.release({ latencyMs: 1, outcome: 'success' });
    expect(limiter.limit).toBe(10);
  });

  it('backs off multiplicatively on a drop, and on a success slower than the threshold', () => {
    const limiter = new AimdLimiter({ initialLimit: 100, backoffRatio: 0.5, latencyThresholdMs: 200 });
    limiter.tryAcquire()!.release({ latencyMs: 10, outcome: 'dropped' });
    expect(limiter.limit).toBe(50);
    limiter.tryAcquire()!.release({ latencyMs: 201, outcome: 'success' });
    expect(limiter.limit).toBe(25);
  });

  it('ignores failures', () => {
    const limiter = new AimdLimiter({ initialLimit: 4 });
    const permits = hold(limiter, 4);
    for (const p of permits) p.release({ latencyMs: 10, outcome: 'failure' });
    expect(limiter.limit).toBe(4);
  });

  it('stays within [minLimit, maxLimit]', () => {
    const limiter = new AimdLimiter({ initialLimit: 3, minLimit: 2, maxLimit: 4 });
    for (let i = 0; i < 10; i++) limiter.tryAcquire()?.release({ latencyMs: 1, outcome: 'dropped' });
    expect(limiter.limit).toBe(2);
    for (let i = 0; i < 10; i++) {
      const permits = hold(limiter, limiter.limit);
      for (const p of permits) p.release({ latencyMs: 1, outcome: 'success' });
    }
    expect(limiter.limit).toBe(4);
    expect(limiter.tryAcquire()).toBeDefined();
  });

  it('rejects bad options', () => {
    expect(() => new AimdLimiter({ backoffRatio: 1 })).toThrow(
      /"backoffRatio" must be a finite number > 0 < 1; found 1/,
    );
    expect(() => new AimdLimiter({ backoffRatio: 0 })).toThrow(RangeError);
    expect(() => new AimdLimiter({ minLimit: 5, maxLimit: 4 })).toThrow(
      /"maxLimit" \(4\) must be ≥ "minLimit" \(5\)/,
    );
    expect(() => new AimdLimiter({ initialLimit: 0 })).toThrow(/"initialLimit" must be an integer ≥ 1/);
    expect(() => new AimdLimiter({ initialLimit: 2000 })).toThrow(/≤ 1000/);
    expect(() => new AimdLimiter({ increase: 0.5 })).toThrow(/"increase"/);
    expect(() => new AimdLimiter({ latencyThresholdMs: Number.NaN })).toThrow(/"latencyThresholdMs"/);
  });
});
