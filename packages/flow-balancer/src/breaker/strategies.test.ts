import { describe, expect, it } from 'vitest';
import { ConsecutiveFailures } from './consecutive-failures.ts';
import { FailureRate } from './failure-rate.ts';

describe('ConsecutiveFailures', () => {
  it('trips on the nth failure in a row; a success starts over', () => {
    const s = new ConsecutiveFailures(3);
    expect([s.failure(), s.failure()]).toEqual([false, false]);
    s.success();
    expect([s.failure(), s.failure(), s.failure()]).toEqual([false, false, true]);
    s.reset();
    expect(s.failure()).toBe(false);
  });

  it('rejects a bad threshold', () => {
    expect(() => new ConsecutiveFailures(0)).toThrow(
      /ConsecutiveFailures: "threshold" must be an integer ≥ 1; found 0/,
    );
    expect(() => new ConsecutiveFailures(1.5)).toThrow(RangeError);
  });
});

describe('FailureRate', () => {
  it('trips once minimumRequests are seen and the failure share reaches the threshold', () => {
    const s = new FailureRate({ threshold: 0.5, minimumRequests: 4, windowMs: 1000 });
    s.success(0);
    expect(s.failure(10)).toBe(false); // 1 of 2, below minimum
    s.success(20);
    expect(s.failure(30)).toBe(true); // 2 of 4 = 0.5
  });

  it('does not trip below the threshold', () => {
    const s = new FailureRate({ threshold: 0.5, minimumRequests: 4, windowMs: 1000 });
    for (let t = 0; t < 10; t++) s.success(t);
    expect([s.failure(20), s.failure(21), s.failure(22)]).toEqual([false, false, false]); // 3 of 13
  });

  it('forgets calls older than the window, bucket by bucket', () => {
    const s = new FailureRate({ threshold: 0.5, minimumRequests: 3, windowMs: 1000, buckets: 10 });
    s.failure(0);
    s.failure(50);
    // at 1000 the bucket [0, 100) has left the window: only 1 failure is counted
    expect(s.failure(1000)).toBe(false);
    // at 1099 the bucket [100, 200)… is in; 1000's bucket is in: 2 counted
    expect(s.failure(1099)).toBe(false);
    expect(s.failure(1099)).toBe(true);
  });

  it('a success far in the future does not resurrect old buckets', () => {
    const s = new FailureRate({ threshold: 0.6, minimumRequests: 2, windowMs: 100, buckets: 4 });
    s.failure(0);
    s.failure(0);
    s.success(10_000);
    // counted: 1 failure of 2 (0.5 < 0.6); with the old failures it would be 3 of 4
    expect(s.failure(10_001)).toBe(false);
  });

  it('reset forgets everything', () => {
    const s = new FailureRate({ threshold: 1, minimumRequests: 2, windowMs: 1000 });
    s.failure(0);
    s.reset();
    expect(s.failure(1)).toBe(false);
    expect(s.failure(2)).toBe(true);
  });

  it('rejects bad options', () => {
    expect(() => new FailureRate({ threshold: 0, minimumRequests: 1, windowMs: 1 })).toThrow(/"threshold"/);
    expect(() => new FailureRate({ threshold: 1.1, minimumRequests: 1, windowMs: 1 })).toThrow(RangeError);
    expect(() => new FailureRate({ threshold: 0.5, minimumRequests: 0, windowMs: 1 })).toThrow(
      /"minimumRequests"/,
    );
    expect(() => new FailureRate({ threshold: 0.5, minimumRequests: 1, windowMs: 0 })).toThrow(/"windowMs"/);
    expect(() => new FailureRate({ threshold: 0.5, minimumRequests: 1, windowMs: 1, buckets: 0 })).toThrow(
      /"buckets"/,
    );
    expect(() => new FailureRate(undefined as never)).toThrow(TypeError);
  });
});
