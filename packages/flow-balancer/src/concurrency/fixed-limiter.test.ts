import { describe, expect, it } from 'vitest';
import { FixedLimiter } from './fixed-limiter.ts';

describe('FixedLimiter', () => {
  it('grants up to limit permits, then none until one is released', () => {
    const limiter = new FixedLimiter({ limit: 2 });
    const a = limiter.tryAcquire();
    const b = limiter.tryAcquire();
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(limiter.tryAcquire()).toBeUndefined();
    expect(limiter.inFlight).toBe(2);
    a!.release({ latencyMs: 5, outcome: 'success' });
    expect(limiter.inFlight).toBe(1);
    expect(limiter.tryAcquire()).toBeDefined();
    expect(limiter.limit).toBe(2);
  });

  it('treats a second release of the same permit as a no-op', () => {
    const limiter = new FixedLimiter({ limit: 3 });
    const a = limiter.tryAcquire()!;
    limiter.tryAcquire();
    a.release({ latencyMs: 1, outcome: 'success' });
    a.release({ latencyMs: 1, outcome: 'success' });
    a.release({ latencyMs: 1, outcome: 'failure' });
    expect(limiter.inFlight).toBe(1);
  });

  it('frees the slot even when the release result is malformed, and says what is wrong', () => {
    const limiter = new FixedLimiter({ limit: 1 });
    const p = limiter.tryAcquire()!;
    expect(() => p.release({ latencyMs: Number.NaN, outcome: 'success' })).toThrow(
      /FixedLimiter.release: "latencyMs" must be a finite number ≥ 0; found NaN/,
    );
    expect(limiter.inFlight).toBe(0);
    const q = limiter.tryAcquire()!;
    expect(() => q.release({ latencyMs: 1, outcome: 'ok' as never })).toThrow(/"outcome" must be one of/);
    expect(() => limiter.tryAcquire()!.release(undefined as never)).toThrow(TypeError);
    expect(limiter.inFlight).toBe(0);
  });

  it('rejects a bad limit', () => {
    expect(() => new FixedLimiter({ limit: 0 })).toThrow(
      /FixedLimiter: "limit" must be an integer ≥ 1; found 0/,
    );
    expect(() => new FixedLimiter({ limit: 2.5 })).toThrow(RangeError);
    expect(() => new FixedLimiter({ limit: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => new FixedLimiter({} as never)).toThrow(TypeError);
    expect(() => new FixedLimiter(undefined as never)).toThrow(TypeError);
  });
});
