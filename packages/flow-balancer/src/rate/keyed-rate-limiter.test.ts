import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.ts';
import { KeyedRateLimiter } from './keyed-rate-limiter.ts';

describe('KeyedRateLimiter', () => {
  it('keeps one bucket per key', () => {
    const clock = new FakeClock();
    const limiter = new KeyedRateLimiter({ ratePerSecond: 1, burst: 2, clock });
    expect(limiter.tryTake('alice').ok).toBe(true);
    expect(limiter.tryTake('alice').ok).toBe(true);
    expect(limiter.tryTake('alice')).toEqual({ ok: false, retryAfterMs: 1000 });
    expect(limiter.tryTake('bob').ok).toBe(true);
    expect(limiter.size).toBe(2);
  });

  it('forgets keys idle for idleMs, by default once their bucket would be full again', () => {
    const clock = new FakeClock();
    const limiter = new KeyedRateLimiter({ ratePerSecond: 10, burst: 5, clock });
    expect(limiter.idleMs).toBe(500);
    for (let i = 0; i < 100; i++) limiter.tryTake(`k${i}`);
    expect(limiter.size).toBe(100);
    clock.advance(499);
    limiter.tryTake('fresh');
    expect(limiter.size).toBe(101);
    clock.advance(1);
    limiter.tryTake('fresh');
    expect(limiter.size).toBe(1);
  });

  it('forgetting an idle key loses nothing: its next take sees a full bucket either way', () => {
    const clock = new FakeClock();
    const limiter = new KeyedRateLimiter({ ratePerSecond: 10, burst: 3, clock });
    for (let i = 0; i < 3; i++) limiter.tryTake('a');
    expect(limiter.tryTake('a').ok).toBe(false);
    clock.advance(300);
    let granted = 0;
    while (limiter.tryTake('a').ok) granted++;
    expect(granted).toBe(3);
  });

  it('holds at most maxKeys keys, evicting the least recently used', () => {
    const clock = new FakeClock();
    const limiter = new KeyedRateLimiter<number>({ ratePerSecond: 1, burst: 1, maxKeys: 1000, clock });
    limiter.tryTake(-1); // will be used again, so must survive
    let largest = 0;
    for (let i = 0; i < 100_000; i++) {
      limiter.tryTake(i);
      if (i % 100 === 0) limiter.tryTake(-1);
      largest = Math.max(largest, limiter.size);
    }
    expect(largest).toBe(1000);
    expect(limiter.size).toBe(1000);
    // -1 was used recently: its bucket is still empty (not evicted and restarted).
    expect(limiter.tryTake(-1).ok).toBe(false);
    // 0 was evicted long ago: it starts again from a full bucket.
    expect(limiter.tryTake(0).ok).toBe(true);
  });

  it('delete and clear forget keys', () => {
    const limiter = new KeyedRateLimiter({ ratePerSecond: 1, burst: 1, clock: new FakeClock() });
    limiter.tryTake('a');
    expect(limiter.tryTake('a').ok).toBe(false);
    expect(limiter.delete('a')).toBe(true);
    expect(limiter.tryTake('a').ok).toBe(true);
    limiter.clear();
    expect(limiter.size).toBe(0);
  });

  it('rejects bad options and takes', () => {
    expect(() => new KeyedRateLimiter({ ratePerSecond: -5, burst: 1 })).toThrow(
      /KeyedRateLimiter: "ratePerSecond"/,
    );
    expect(() => new KeyedRateLimiter({ ratePerSecond: 1, burst: 1, maxKeys: 0 })).toThrow(
      /"maxKeys" must be an integer ≥ 1/,
    );
    expect(() => new KeyedRateLimiter({ ratePerSecond: 1, burst: 1, maxKeys: 2.5 })).toThrow(RangeError);
    expect(() => new KeyedRateLimiter({ ratePerSecond: 1, burst: 1, idleMs: 0 })).toThrow(/"idleMs"/);
    const limiter = new KeyedRateLimiter({ ratePerSecond: 1, burst: 2 });
    expect(() => limiter.tryTake('a', 5)).toThrow(/exceeds "burst"/);
    expect(() => limiter.tryTake('a', -1)).toThrow(RangeError);
  });
});
