/** Timing decisions driven by an injected FakeClock, with real threads underneath. */
import { FakeClock } from '@switchyard/flow-balancer';
import { describe, expect, it } from 'vitest';
import type { ThreadPoolOptions } from '../src/index.ts';
import { fixture, poolMaker, record, until } from './helpers.ts';

const pool = poolMaker<ThreadPoolOptions>({ kind: 'thread', module: fixture('tasks.ts') });

describe('pool timing on an injected clock', () => {
  it('stops workers idle for idleTimeoutMs, not before, down to min', async () => {
    const clock = new FakeClock();
    const p = pool({ clock, min: 1, max: 3, concurrency: 1, idleTimeoutMs: 1000 });
    const events = record(p);
    // Each task outlasts a thread's start, even on a loaded machine, so the three run at once on
    // three workers (with 30 ms tasks the first worker could take the queued ones first).
    await Promise.all([p.run('sleep', 1500), p.run('sleep', 1500), p.run('sleep', 1500)]);
    expect(p.stats().workers.ready).toBe(3);
    clock.advance(999);
    expect(events.filter((e) => e.type === 'worker-recycled')).toHaveLength(0);
    clock.advance(1);
    const recycled = events.filter((e) => e.type === 'worker-recycled');
    expect(recycled.map((e) => e.type === 'worker-recycled' && e.reason)).toEqual(['idle', 'idle']);
    await until(() => p.stats().workers.total === 1);
    clock.advance(10_000);
    expect(p.stats().workers.total).toBe(1);
  });

  it('waits the backoff before replacing a crashed worker', async () => {
    const clock = new FakeClock();
    const p = pool({
      clock,
      module: fixture('broken.ts'),
      min: 1,
      max: 1,
      restart: { baseDelayMs: 1000, maxDelayMs: 8000, jitter: 0.5, maxCrashes: 10 },
      random: () => 1,
    });
    const events = record(p);
    const started = () => events.filter((e) => e.type === 'worker-started').length;
    void p.start().catch(() => {});
    await until(() => events.some((e) => e.type === 'worker-restart-scheduled'));
    const scheduled = events.filter((e) => e.type === 'worker-restart-scheduled');
    expect(scheduled[0]).toMatchObject({ delayMs: 1000, crashes: 1 });
    await new Promise((r) => setTimeout(r, 50));
    expect(started()).toBe(1);
    clock.advance(999);
    expect(started()).toBe(1);
    clock.advance(1);
    expect(started()).toBe(2);
    await until(() => events.filter((e) => e.type === 'worker-restart-scheduled').length === 2);
    expect(events.filter((e) => e.type === 'worker-restart-scheduled')[1]).toMatchObject({ delayMs: 2000 });
  });

  it('times a task out on the injected clock', async () => {
    const clock = new FakeClock();
    const p = pool({ clock, min: 1, max: 1 });
    await p.start();
    const task = p.run('hang', null, { timeoutMs: 5000 }).catch((e: unknown) => e);
    clock.advance(4999);
    expect(p.stats().inFlight).toBe(1);
    clock.advance(1);
    expect(await task).toMatchObject({ name: 'TaskTimeoutError', phase: 'running' });
  });
});
