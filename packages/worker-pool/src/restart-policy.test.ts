import { FakeClock } from '@switchyard/flow-balancer';
import { describe, expect, it } from 'vitest';
import { RestartPolicy } from './restart-policy.ts';

const options = { baseDelayMs: 100, maxDelayMs: 1000, jitter: 0.5, maxCrashes: 4, windowMs: 10_000 };

describe('RestartPolicy', () => {
  it('doubles the delay per crash up to the ceiling, jittered by the injected random', () => {
    const clock = new FakeClock();
    const p = new RestartPolicy({ ...options, maxCrashes: 100 }, clock, () => 1);
    const delays = Array.from({ length: 6 }, () => {
      const d = p.onCrash();
      clock.advance(20_000); // outside the window: only the backoff grows
      return d.kind === 'restart' ? d.delayMs : -1;
    });
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    const low = new RestartPolicy(options, clock, () => 0);
    expect(low.onCrash()).toEqual({ kind: 'restart', delayMs: 50, crashes: 1 });
  });

  it('tells how long to wait, and a stable worker restarts the doubling', () => {
    const clock = new FakeClock();
    const p = new RestartPolicy(options, clock, () => 1);
    expect(p.waitMs()).toBe(0);
    p.onCrash();
    expect(p.waitMs()).toBe(100);
    clock.advance(60);
    expect(p.waitMs()).toBe(40);
    p.onCrash();
    expect(p.waitMs()).toBe(200);
    p.onStable();
    expect(p.onCrash()).toMatchObject({ delayMs: 100 });
  });

  it('fails on maxCrashes within the window, not when they are spread out', () => {
    const clock = new FakeClock();
    const spread = new RestartPolicy(options, clock, () => 0.5);
    for (let i = 0; i < 10; i++) {
      expect(spread.onCrash().kind).toBe('restart');
      clock.advance(4000);
    }
    const loop = new RestartPolicy(options, clock, () => 0.5);
    expect([1, 2, 3, 4].map(() => loop.onCrash().kind)).toEqual(['restart', 'restart', 'restart', 'fail']);
    loop.reset();
    expect(loop.onCrash().kind).toBe('restart');
  });
});
