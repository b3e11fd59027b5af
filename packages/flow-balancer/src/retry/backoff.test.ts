import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random.ts';
import { Backoff, backoffDelay } from './backoff.ts';

/** A source that gives the values listed, in turn, and counts the draws. */
function values(...list: number[]) {
  let i = 0;
  const random = () => list[i++ % list.length]!;
  return { random, draws: () => i };
}

describe('Backoff', () => {
  it('doubles from the base up to the cap, without jitter', () => {
    const backoff = new Backoff({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 });
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoff.attempt).toBe(6);
  });

  it('randomises the jitter share of each delay, drawing once per delay', () => {
    const src = values(0, 0.5, 0.999);
    const backoff = new Backoff({ baseDelayMs: 100, maxDelayMs: 10_000, jitter: 0.5, random: src.random });
    // exp 100, 200, 400; the first half fixed, the second half × random
    expect(backoff.next()).toBe(50);
    expect(backoff.next()).toBe(150);
    expect(backoff.next()).toBeCloseTo(200 + 200 * 0.999, 9);
    expect(src.draws()).toBe(3);
  });

  it('full jitter stays in [0, exp); every delay lies in [exp × (1 − jitter), exp]', () => {
    const random = mulberry32(7);
    for (const jitter of [0, 0.2, 1]) {
      const backoff = new Backoff({ baseDelayMs: 10, maxDelayMs: 5000, jitter, random });
      for (let attempt = 0; attempt < 30; attempt++) {
        const exp = Math.min(5000, 10 * 2 ** attempt);
        const delay = backoff.next();
        expect(delay).toBeGreaterThanOrEqual(exp * (1 - jitter));
        expect(delay).toBeLessThanOrEqual(exp);
      }
    }
  });

  it('reset starts again from the base; a factor other than 2 grows by it', () => {
    const backoff = new Backoff({ baseDelayMs: 10, maxDelayMs: 1000, factor: 3, random: () => 0 });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([10, 30, 90]);
    backoff.reset();
    expect(backoff.attempt).toBe(0);
    expect(backoff.next()).toBe(10);
  });

  it('a zero base stays zero however many attempts, an infinite one infinite (never NaN)', () => {
    expect(backoffDelay(5000, { baseDelayMs: 0, maxDelayMs: 0, jitter: 0.5, random: () => 0.3 })).toBe(0);
    expect(backoffDelay(5000, { baseDelayMs: 1, maxDelayMs: 60_000 })).toBe(60_000);
    expect(backoffDelay(3, { baseDelayMs: 1, maxDelayMs: Number.POSITIVE_INFINITY })).toBe(8);
    const never = { baseDelayMs: Number.POSITIVE_INFINITY, maxDelayMs: Number.POSITIVE_INFINITY };
    expect(backoffDelay(0, never)).toBe(Number.POSITIVE_INFINITY);
  });

  it('rejects bad options with errors that name them', () => {
    expect(() => new Backoff({ baseDelayMs: -1, maxDelayMs: 10 })).toThrow(/Backoff: "baseDelayMs"/);
    expect(() => new Backoff({ baseDelayMs: 100, maxDelayMs: 10 })).toThrow(
      /"maxDelayMs" must be a finite number ≥ 100/,
    );
    expect(() => new Backoff({ baseDelayMs: 1, maxDelayMs: 10, jitter: 1.5 })).toThrow(/"jitter"/);
    expect(() => new Backoff({ baseDelayMs: 1, maxDelayMs: 10, factor: 0.5 })).toThrow(/"factor"/);
    expect(() => new Backoff({ baseDelayMs: 1, maxDelayMs: 10, random: 3 as never })).toThrow(
      /"random" must be a function/,
    );
    expect(() => backoffDelay(-1, { baseDelayMs: 1, maxDelayMs: 10 })).toThrow(/backoffDelay: "attempt"/);
  });
});
