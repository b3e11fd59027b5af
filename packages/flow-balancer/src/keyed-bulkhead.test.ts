import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.ts';
import type { Permit } from './concurrency/limiter.ts';
import { isAbortedError, isDeadlineExceededError, isQueueFullError } from './errors.ts';
import { KeyedBulkhead } from './keyed-bulkhead.ts';
import { mulberry32 } from './random.ts';

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

describe('KeyedBulkhead', () => {
  it('gives each key its own share: one key full does not hold up another', async () => {
    const keyed = new KeyedBulkhead({ limit: 1, clock: new FakeClock() });
    const a = await keyed.acquire('a');
    const aWaits = track(keyed.acquire('a'));
    const b = track(keyed.acquire('b'));
    await tick();
    expect(aWaits.settled).toBe(false);
    expect(b.settled).toBe(true);
    expect(keyed.statsOf('a')).toEqual({ limit: 1, inFlight: 1, queued: 1 });
    expect(keyed.stats()).toEqual({ keys: 2, inFlight: 2, queued: 1 });
    a.release(ok);
    await tick();
    expect(aWaits.settled).toBe(true);
    expect(keyed.statsOf('a')).toEqual({ limit: 1, inFlight: 1, queued: 0 });
  });

  it('takes each key’s limit from the map, else from the function, read when the key is made', async () => {
    const asked: string[] = [];
    const keyed = new KeyedBulkhead({
      limit: (key: string) => {
        asked.push(key);
        return key.length;
      },
      limits: new Map([['vip', 5]]),
      clock: new FakeClock(),
    });
    expect(keyed.limitOf('vip')).toBe(5);
    expect(keyed.limitOf('abc')).toBe(3);
    for (let i = 0; i < 5; i++) await keyed.acquire('vip');
    await keyed.acquire('abc');
    await keyed.acquire('abc');
    expect(keyed.statsOf('vip')).toEqual({ limit: 5, inFlight: 5, queued: 0 });
    expect(keyed.statsOf('abc')).toEqual({ limit: 3, inFlight: 2, queued: 0 });
    expect(asked).toEqual(['abc', 'abc']);
    // As many may wait as run, by default: the 4th waiter of a key of 3 is refused at once.
    await keyed.acquire('abc');
    const waiting = [track(keyed.acquire('abc')), track(keyed.acquire('abc')), track(keyed.acquire('abc'))];
    await expect(keyed.acquire('abc')).rejects.toSatisfy(isQueueFullError);
    await tick();
    expect(waiting.map((w) => w.settled)).toEqual([false, false, false]);
  });

  it('forgets a key the moment it has nothing running or waiting, and remakes it empty', async () => {
    const keyed = new KeyedBulkhead({ limit: 2, clock: new FakeClock() });
    const p1 = await keyed.acquire('a');
    const p2 = await keyed.acquire('a');
    expect(keyed.size).toBe(1);
    p1.release(ok);
    expect(keyed.size).toBe(1);
    p2.release(ok);
    p2.release(ok); // a second release is a no-op
    expect(keyed.size).toBe(0);
    expect([...keyed.entries()]).toEqual([]);
    expect(keyed.statsOf('a')).toEqual({ limit: 2, inFlight: 0, queued: 0 });
    const p3 = await keyed.acquire('a');
    expect(keyed.statsOf('a')).toEqual({ limit: 2, inFlight: 1, queued: 0 });
    p3.release(ok);
    expect(keyed.size).toBe(0);
  });

  it('a released permit goes to the key’s waiter first; the key stays while that waiter runs', async () => {
    const keyed = new KeyedBulkhead({ limit: 1, clock: new FakeClock() });
    const first = await keyed.acquire('a');
    const next = track(keyed.acquire('a'));
    first.release(ok);
    expect(keyed.size).toBe(1);
    await tick();
    expect(next.settled).toBe(true);
    expect(keyed.statsOf('a')).toEqual({ limit: 1, inFlight: 1, queued: 0 });
    (next.value as Permit).release(ok);
    expect(keyed.size).toBe(0);
  });

  it('rejects a waiter at its deadline or on abort, as Bulkhead, and then forgets the idle key', async () => {
    const clock = new FakeClock();
    const keyed = new KeyedBulkhead({ limit: 1, clock });
    const held = await keyed.acquire('a');
    const late = track(keyed.acquire('a', { deadline: 50 }));
    clock.advance(50);
    await tick();
    expect(isDeadlineExceededError(late.error)).toBe(true);
    held.release(ok);
    expect(keyed.size).toBe(0);

    const again = await keyed.acquire('b');
    const ac = new AbortController();
    const aborted = track(keyed.acquire('b', { signal: ac.signal }));
    ac.abort('gone');
    await tick();
    expect(isAbortedError(aborted.error)).toBe(true);
    expect((aborted.error as Error).cause).toBe('gone');
    again.release(ok);
    expect(keyed.size).toBe(0);

    // Refused at once (already aborted, already late): the key made for it is not kept.
    await expect(keyed.acquire('c', { signal: AbortSignal.abort() })).rejects.toSatisfy(isAbortedError);
    await expect(keyed.acquire('d', { deadline: clock.now() })).rejects.toSatisfy(isDeadlineExceededError);
    await tick();
    expect(keyed.size).toBe(0);
  });

  it('queueCapacity 0 refuses at once when the key is full; a function sizes each key’s queue', async () => {
    const none = new KeyedBulkhead({ limit: 1, queueCapacity: 0, clock: new FakeClock() });
    const held = await none.acquire('a');
    await expect(none.acquire('a')).rejects.toSatisfy(isQueueFullError);
    held.release(ok);
    expect(none.size).toBe(0);

    const sized = new KeyedBulkhead({
      limit: 1,
      queueCapacity: (key: string, limit) => (key === 'wide' ? 3 * limit : 0),
      clock: new FakeClock(),
    });
    await sized.acquire('wide');
    const waiting = [
      track(sized.acquire('wide')),
      track(sized.acquire('wide')),
      track(sized.acquire('wide')),
    ];
    await expect(sized.acquire('wide')).rejects.toSatisfy(isQueueFullError);
    await tick();
    expect(waiting.every((w) => !w.settled)).toBe(true);
    expect(sized.stats()).toEqual({ keys: 1, inFlight: 1, queued: 3 });
  });

  it('tryAcquire: a permit at once while the key has room and none of its own wait, else undefined (nothing queued)', async () => {
    const keyed = new KeyedBulkhead({ limit: 1, clock: new FakeClock() });
    const a = keyed.tryAcquire('a');
    expect(a).toBeDefined();
    expect(keyed.tryAcquire('a')).toBeUndefined();
    expect(keyed.statsOf('a')).toMatchObject({ inFlight: 1, queued: 0 });
    const waiter = track(keyed.acquire('a'));
    a!.release(ok);
    await tick();
    expect(waiter.settled).toBe(true);
    // The waiter holds the slot: no room.
    expect(keyed.tryAcquire('a')).toBeUndefined();
    (waiter.value as Permit).release(ok);
    expect(keyed.size).toBe(0);
    const b = keyed.tryAcquire('b');
    b!.release(ok);
    expect(keyed.size).toBe(0);
  });

  it('run releases the key’s permit when fn settles and forgets the idle key', async () => {
    const keyed = new KeyedBulkhead({ limit: 1, clock: new FakeClock() });
    await expect(keyed.run('a', () => 'v')).resolves.toBe('v');
    expect(keyed.size).toBe(0);
    await expect(
      keyed.run('a', async () => {
        expect(keyed.statsOf('a').inFlight).toBe(1);
        throw new Error('tool failed');
      }),
    ).rejects.toThrow('tool failed');
    expect(keyed.size).toBe(0);
  });

  it('rejects bad options and bad limits with errors that name them', async () => {
    expect(() => new KeyedBulkhead({ limit: 0 })).toThrow(/KeyedBulkhead: "limit" must be an integer ≥ 1/);
    expect(() => new KeyedBulkhead({ limit: 1, queueCapacity: -1 })).toThrow(/"queueCapacity"/);
    expect(() => new KeyedBulkhead({ limit: 1, limits: new Map([['x', 1.5]]) })).toThrow(/"limits\[x\]"/);
    const keyed = new KeyedBulkhead({ limit: (key: string) => (key === 'bad' ? -1 : 1) });
    await expect(keyed.acquire('bad')).rejects.toThrow(/"limit\(bad\)" must be an integer ≥ 1; found -1/);
    expect(keyed.size).toBe(0);
  });

  it('property: after any sequence of acquires, releases, aborts and deadlines over many keys, it holds only keys with work', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = mulberry32(seed);
      const clock = new FakeClock();
      const keyed = new KeyedBulkhead<number>({
        limit: (key) => 1 + (key % 3),
        queueCapacity: (key, limit) => (key % 4 === 0 ? 0 : limit),
        clock,
      });
      const held: { key: number; permit: Permit }[] = [];
      const waiting: { key: number; ac: AbortController; state: ReturnType<typeof track<Permit>> }[] = [];
      for (let step = 0; step < 200; step++) {
        const roll = random();
        const key = Math.floor(random() * 50);
        if (roll < 0.45) {
          const ac = new AbortController();
          // Now and then a caller already gone or already late: refused at once, even on a new key.
          const when = random();
          if (when < 0.1) ac.abort();
          const deadline =
            when < 0.2 ? clock.now() : when < 0.6 ? clock.now() + 1 + Math.floor(random() * 20) : undefined;
          waiting.push({
            key,
            ac,
            state: track(
              keyed.acquire(key, { signal: ac.signal, ...(deadline !== undefined && { deadline }) }),
            ),
          });
        } else if (roll < 0.8 && held.length > 0) {
          const i = Math.floor(random() * held.length);
          held.splice(i, 1)[0]!.permit.release(ok);
        } else if (roll < 0.9 && waiting.length > 0) {
          waiting[Math.floor(random() * waiting.length)]!.ac.abort();
        } else {
          clock.advance(Math.floor(random() * 10));
        }
        await Promise.resolve();
        await Promise.resolve();
        // Move the settled acquires to `held` (granted) or drop them (refused).
        for (let i = waiting.length - 1; i >= 0; i--) {
          const w = waiting[i]!;
          if (!w.state.settled) continue;
          waiting.splice(i, 1);
          if (w.state.value !== undefined) held.push({ key: w.key, permit: w.state.value });
        }
        if (step % 20 === 19) {
          await tick();
          for (let i = waiting.length - 1; i >= 0; i--) {
            const w = waiting[i]!;
            if (!w.state.settled) continue;
            waiting.splice(i, 1);
            if (w.state.value !== undefined) held.push({ key: w.key, permit: w.state.value });
          }
          const busy = new Map<number, { inFlight: number; queued: number }>();
          for (const h of held) {
            const b = busy.get(h.key) ?? { inFlight: 0, queued: 0 };
            b.inFlight++;
            busy.set(h.key, b);
          }
          for (const w of waiting) {
            const b = busy.get(w.key) ?? { inFlight: 0, queued: 0 };
            b.queued++;
            busy.set(w.key, b);
          }
          const seen = new Map(
            [...keyed.entries()].map(([k, s]) => [k, { inFlight: s.inFlight, queued: s.queued }]),
          );
          expect(seen, `seed ${seed} step ${step}`).toEqual(busy);
          for (const [, s] of keyed.entries()) expect(s.inFlight).toBeLessThanOrEqual(s.limit);
        }
      }
      // Drain: release everything and abort every waiter; nothing may be left.
      for (const w of waiting) w.ac.abort();
      await tick();
      for (const w of waiting)
        if (w.state.value !== undefined) held.push({ key: w.key, permit: w.state.value });
      for (const h of held) h.permit.release(ok);
      await tick();
      expect(keyed.size, `seed ${seed}`).toBe(0);
      expect(keyed.stats()).toEqual({ keys: 0, inFlight: 0, queued: 0 });
    }
  });
});
