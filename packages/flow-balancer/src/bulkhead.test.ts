import { describe, expect, it } from 'vitest';
import { Bulkhead } from './bulkhead.ts';
import { FakeClock } from './clock.ts';
import { AimdLimiter } from './concurrency/aimd-limiter.ts';
import { FixedLimiter } from './concurrency/fixed-limiter.ts';
import type { Permit } from './concurrency/limiter.ts';
import { isAbortedError, isDeadlineExceededError, isLoadShedError, isQueueFullError } from './errors.ts';
import { LoadShedder } from './shed/load-shedder.ts';

const ok = { latencyMs: 1, outcome: 'success' } as const;

/** Settles microtasks so resolved promises' callbacks have run. */
const tick = () => new Promise<void>((r) => setTimeout(r, 0));

function track<T>(p: Promise<T>): { value?: T; error?: unknown; settled: boolean } {
  const s: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  p.then(
    (v) => Object.assign(s, { value: v, settled: true }),
    (e) => Object.assign(s, { error: e, settled: true }),
  );
  return s;
}

describe('Bulkhead', () => {
  it('grants at once while the limiter has room, then queues, and hands a released permit to the oldest waiter', async () => {
    const bulkhead = new Bulkhead({ limiter: new FixedLimiter({ limit: 2 }), clock: new FakeClock() });
    const a = await bulkhead.acquire();
    await bulkhead.acquire();
    const w1 = track(bulkhead.acquire());
    const w2 = track(bulkhead.acquire());
    await tick();
    expect([w1.settled, w2.settled]).toEqual([false, false]);
    expect(bulkhead.queued).toBe(2);
    expect(bulkhead.inFlight).toBe(2);
    a.release(ok);
    await tick();
    expect([w1.settled, w2.settled]).toEqual([true, false]);
    expect(bulkhead.inFlight).toBe(2);
    (w1.value as Permit).release(ok);
    await tick();
    expect(w2.settled).toBe(true);
    expect(bulkhead.queued).toBe(0);
  });

  it('tryAcquire gives a permit only while one is free and nobody waits, and queues nothing', async () => {
    const bulkhead = new Bulkhead({ limiter: new FixedLimiter({ limit: 1 }), clock: new FakeClock() });
    const a = bulkhead.tryAcquire();
    expect(a).toBeDefined();
    expect(bulkhead.tryAcquire()).toBeUndefined();
    expect([bulkhead.inFlight, bulkhead.queued]).toEqual([1, 0]);
    const w = track(bulkhead.acquire());
    a!.release(ok);
    // The freed permit is the waiter's: a tryAcquire meanwhile does not take it.
    expect(bulkhead.tryAcquire()).toBeUndefined();
    await tick();
    expect(w.settled).toBe(true);
    expect(bulkhead.tryAcquire()).toBeUndefined();
    (w.value as Permit).release(ok);
    const b = bulkhead.tryAcquire();
    expect(b).toBeDefined();
    b!.release(ok);
    b!.release(ok);
    expect(bulkhead.inFlight).toBe(0);
  });

  it('a newcomer does not jump the queue when the limit grows between releases', async () => {
    const inner = new FixedLimiter({ limit: 10 });
    let limit = 1;
    const limiter = {
      get limit() {
        return limit;
      },
      get inFlight() {
        return inner.inFlight;
      },
      tryAcquire: () => (inner.inFlight < limit ? inner.tryAcquire() : undefined),
    };
    const bulkhead = new Bulkhead({ limiter, clock: new FakeClock() });
    await bulkhead.acquire();
    const waiter = track(bulkhead.acquire());
    limit = 2;
    const newcomer = track(bulkhead.acquire());
    await tick();
    expect(waiter.settled).toBe(true);
    expect(newcomer.settled).toBe(false);
    expect(bulkhead.queued).toBe(1);
  });

  it('rejects with QueueFullError when the queue is full, and at once with queueCapacity 0', async () => {
    const bulkhead = new Bulkhead({
      limiter: new FixedLimiter({ limit: 1 }),
      queueCapacity: 1,
      clock: new FakeClock(),
    });
    await bulkhead.acquire();
    void bulkhead.acquire();
    await expect(bulkhead.acquire()).rejects.toSatisfy(isQueueFullError);
    const none = new Bulkhead({ limiter: new FixedLimiter({ limit: 1 }), queueCapacity: 0 });
    await none.acquire();
    await expect(none.acquire()).rejects.toSatisfy(isQueueFullError);
  });

  it('rejects a waiter the moment its deadline passes, even while it is not at the head', async () => {
    const clock = new FakeClock();
    const bulkhead = new Bulkhead({ limiter: new FixedLimiter({ limit: 1 }), clock });
    await bulkhead.acquire();
    const head = track(bulkhead.acquire());
    const second = track(bulkhead.acquire({ deadline: 50 }));
    clock.advance(50);
    await tick();
    expect(second.settled).toBe(true);
    expect(isDeadlineExceededError(second.error)).toBe(true);
    expect(head.settled).toBe(false);
    expect(bulkhead.queued).toBe(1);
  });

  it('rejects a waiter the moment its signal aborts, and at once if already aborted or past its deadline', async () => {
    const clock = new FakeClock(100);
    const bulkhead = new Bulkhead({ limiter: new FixedLimiter({ limit: 1 }), clock });
    const ac = new AbortController();
    await bulkhead.acquire();
    const waiter = track(bulkhead.acquire({ signal: ac.signal }));
    ac.abort('bye');
    await tick();
    expect(isAbortedError(waiter.error)).toBe(true);
    expect((waiter.error as Error).cause).toBe('bye');
    const free = new Bulkhead({ limiter: new FixedLimiter({ limit: 5 }), clock });
    await expect(free.acquire({ signal: AbortSignal.abort() })).rejects.toSatisfy(isAbortedError);
    await expect(free.acquire({ deadline: 100 })).rejects.toSatisfy(isDeadlineExceededError);
    await expect(free.acquire({ deadline: Number.NaN })).rejects.toThrow(/"deadline" must be a number/);
    expect(free.inFlight).toBe(0);
  });

  it('hands more waiters through when an adaptive limit grows', async () => {
    const limiter = new AimdLimiter({ initialLimit: 1, maxLimit: 3 });
    const bulkhead = new Bulkhead({ limiter, clock: new FakeClock() });
    const a = await bulkhead.acquire();
    const waiters = [track(bulkhead.acquire()), track(bulkhead.acquire())];
    a.release(ok); // 1 in flight of 1 ≥ half: limit 2, both waiters fit
    await tick();
    expect(limiter.limit).toBe(2);
    expect(waiters.map((w) => w.settled)).toEqual([true, true]);
  });

  it('sheds instead of queueing when the shedder says the wait is too long', async () => {
    const shedder = new LoadShedder({
      targetDelayMs: 10,
      maxDelayMs: 20,
      initialServiceTimeMs: 10,
      random: () => 0,
    });
    const bulkhead = new Bulkhead({
      limiter: new FixedLimiter({ limit: 1 }),
      shedder,
      clock: new FakeClock(),
    });
    await bulkhead.acquire();
    void bulkhead.acquire(); // queue 0 → 0 ms: queued
    void bulkhead.acquire(); // queue 1 → 10 ms: at target, queued
    const shed = bulkhead.acquire(); // queue 2 → 20 ms: shed
    await expect(shed).rejects.toSatisfy(isLoadShedError);
    expect(bulkhead.queued).toBe(2);
  });

  it('run releases with the time taken and the outcome, also when fn throws', async () => {
    const clock = new FakeClock();
    const results: string[] = [];
    const inner = new FixedLimiter({ limit: 1 });
    const limiter = {
      get limit() {
        return inner.limit;
      },
      get inFlight() {
        return inner.inFlight;
      },
      tryAcquire() {
        const p = inner.tryAcquire();
        return (
          p && {
            release: (r: { latencyMs: number; outcome: string }) => {
              results.push(`${r.outcome}:${r.latencyMs}`);
              p.release(r as never);
            },
          }
        );
      },
    };
    const bulkhead = new Bulkhead({ limiter, clock });
    const value = await bulkhead.run(() => {
      clock.advance(7);
      return 'v';
    });
    expect(value).toBe('v');
    await expect(
      bulkhead.run(async () => {
        clock.advance(3);
        throw new Error('tool failed');
      }),
    ).rejects.toThrow('tool failed');
    await expect(bulkhead.run(() => bulkhead.acquire({ deadline: clock.now() }))).rejects.toSatisfy(
      isDeadlineExceededError,
    );
    expect(results).toEqual(['success:7', 'failure:3', 'dropped:0']);
    expect(bulkhead.inFlight).toBe(0);
  });

  it('double release hands over one permit only', async () => {
    const bulkhead = new Bulkhead({ limiter: new FixedLimiter({ limit: 1 }), clock: new FakeClock() });
    const a = await bulkhead.acquire();
    const w1 = track(bulkhead.acquire());
    const w2 = track(bulkhead.acquire());
    a.release(ok);
    a.release(ok);
    await tick();
    expect([w1.settled, w2.settled]).toEqual([true, false]);
    expect(bulkhead.inFlight).toBe(1);
  });

  it('rejects bad options', () => {
    expect(() => new Bulkhead({} as never)).toThrow(/"limiter" must be an object/);
    expect(() => new Bulkhead({ limiter: new FixedLimiter({ limit: 1 }), queueCapacity: -1 })).toThrow(
      /"queueCapacity"/,
    );
    expect(() => new Bulkhead({ limiter: new FixedLimiter({ limit: 1 }), queueCapacity: 1.5 })).toThrow(
      RangeError,
    );
    expect(() => new Bulkhead({ limiter: { tryAcquire: 1 } as never })).toThrow(
      /"limiter.tryAcquire" must be a function/,
    );
  });
});
