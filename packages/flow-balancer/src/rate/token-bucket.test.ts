import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.ts';
import { TokenBucket } from './token-bucket.ts';

describe('TokenBucket', () => {
  it('allows a burst, then refuses with the exact wait, then refills at the rate', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 3, clock });
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([
      { ok: true },
      { ok: true },
      { ok: true },
    ]);
    expect(bucket.tryTake()).toEqual({ ok: false, retryAfterMs: 100 });
    clock.advance(40);
    expect(bucket.tryTake()).toEqual({ ok: false, retryAfterMs: 60 });
    clock.advance(60);
    expect(bucket.tryTake().ok).toBe(true);
    expect(bucket.tryTake().ok).toBe(false);
  });

  it('never holds more than burst, however long it idles', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 100, burst: 5, clock });
    clock.advance(60_000);
    expect(bucket.tokens).toBe(5);
    let granted = 0;
    while (bucket.tryTake().ok) granted++;
    expect(granted).toBe(5);
  });

  it('takes n tokens at once and tells when n will be there', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 2, burst: 4, initialTokens: 1, clock });
    expect(bucket.tryTake(3)).toEqual({ ok: false, retryAfterMs: 1000 });
    clock.advance(1000);
    expect(bucket.tryTake(3)).toEqual({ ok: true });
    expect(bucket.tokens).toBe(0);
    expect(bucket.tryTake(0.5)).toEqual({ ok: false, retryAfterMs: 250 });
  });

  it('rejects bad options and takes', () => {
    expect(() => new TokenBucket({ ratePerSecond: -1, burst: 1 })).toThrow(
      /"ratePerSecond" must be a finite number > 0; found -1/,
    );
    expect(() => new TokenBucket({ ratePerSecond: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSecond: Number.POSITIVE_INFINITY, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 0.5 })).toThrow(
      /"burst" must be a finite number ≥ 1/,
    );
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: Number.NaN })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSecond: '5' as never, burst: 1 })).toThrow(TypeError);
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 2, initialTokens: 3 })).toThrow(
      /"initialTokens"/,
    );
    expect(() => new TokenBucket(undefined as never)).toThrow(TypeError);
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 2 });
    expect(() => bucket.tryTake(3)).toThrow(/can never be granted/);
    expect(() => bucket.tryTake(0)).toThrow(/"n" must be a finite number > 0/);
    expect(() => bucket.tryTake(Number.NaN)).toThrow(RangeError);
  });
});
