import { describe, expect, it } from 'vitest';
import { BackendHealth } from './backend-health.ts';

const retry = { baseDelayMs: 100, maxDelayMs: 1000, jitter: 0.5, maxCrashes: 3, windowMs: 10_000 };

describe('BackendHealth', () => {
  it('fails on a failed start with a doubling, capped, jittered delay; a good start clears it', () => {
    let r = 0;
    const h = new BackendHealth(retry, () => r);
    expect(h.startFailed(0, 'exit code 1', ['boom'])).toBe(50); // 100 × (1 − 0.5) + 100 × 0.5 × 0
    expect(h.current).toEqual({
      state: 'failed',
      reason: 'exit code 1',
      stderrTail: ['boom'],
      failures: 1,
      since: 0,
      retryAt: 50,
    });
    r = 1;
    expect(h.startFailed(50, 'again', [])).toBe(200);
    for (let i = 0; i < 5; i++) h.startFailed(0, 'again', []);
    expect(h.startFailed(0, 'again', [])).toBe(1000);
    h.retry();
    expect(h.failed).toBe(false);
    expect(h.started()).toBe(true);
    expect(h.started()).toBe(false);
    expect(h.startFailed(0, 'fresh', [])).toBe(100);
  });

  it('treats maxCrashes deaths of ready workers within the window as a crash loop', () => {
    const h = new BackendHealth(retry, () => 0);
    expect(h.crashed(0, 'exit code 3', [])).toBeUndefined();
    expect(h.crashed(5000, 'exit code 3', [])).toBeUndefined();
    expect(h.crashed(10_001, 'exit code 3', [])).toBeUndefined(); // the first fell out of the window
    expect(h.crashed(12_000, 'signal SIGKILL', ['last'])).toBe(50);
    expect(h.current).toMatchObject({
      state: 'failed',
      reason: 'crash loop: 3 crashes within 10000 ms (last: signal SIGKILL)',
      stderrTail: ['last'],
    });
  });
});
