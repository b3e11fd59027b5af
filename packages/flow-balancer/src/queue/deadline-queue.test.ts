import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.ts';
import { AbortedError, DeadlineExceededError, isQueueFullError, type QueueFullError } from '../errors.ts';
import { DeadlineQueue, type DropReason } from './deadline-queue.ts';

function setup(
  options: { capacity?: number; order?: 'fifo' | 'lifo-under-overload'; overloadThreshold?: number } = {},
) {
  const clock = new FakeClock(1000);
  const drops: { item: string; reason: DropReason; at: number }[] = [];
  const queue = new DeadlineQueue<string>({
    capacity: options.capacity ?? 10,
    clock,
    ...(options.order && { order: options.order }),
    ...(options.overloadThreshold && { overloadThreshold: options.overloadThreshold }),
    onDrop: (item, reason) => drops.push({ item, reason, at: clock.now() }),
  });
  return { clock, drops, queue };
}

describe('DeadlineQueue', () => {
  it('is FIFO and counts live items', () => {
    const { queue } = setup();
    queue.push('a');
    queue.push('b');
    queue.push('c');
    expect(queue.length).toBe(3);
    expect([queue.shift(), queue.shift(), queue.shift(), queue.shift()]).toEqual(['a', 'b', 'c', undefined]);
    expect(queue.length).toBe(0);
  });

  it('throws QueueFullError at capacity, and has room again after a shift', () => {
    const { queue } = setup({ capacity: 2 });
    queue.push('a');
    queue.push('b');
    let error: unknown;
    try {
      queue.push('c');
    } catch (e) {
      error = e;
    }
    expect(isQueueFullError(error)).toBe(true);
    expect((error as QueueFullError).capacity).toBe(2);
    queue.shift();
    queue.push('c');
    expect(queue.drain()).toEqual(['b', 'c']);
  });

  it('drops an item the moment its deadline passes, while it is not at the head', () => {
    const { clock, drops, queue } = setup();
    queue.push('head'); // no deadline
    queue.push('soon', { deadline: 1050 });
    queue.push('later', { deadline: 1100 });
    clock.advance(49);
    expect(drops).toEqual([]);
    clock.advance(1);
    expect(drops).toHaveLength(1);
    expect(drops[0]!.item).toBe('soon');
    expect(drops[0]!.at).toBe(1050);
    expect(drops[0]!.reason).toBeInstanceOf(DeadlineExceededError);
    expect((drops[0]!.reason as DeadlineExceededError).deadline).toBe(1050);
    expect(queue.length).toBe(2);
    clock.advance(50);
    expect(drops.map((d) => [d.item, d.at])).toEqual([
      ['soon', 1050],
      ['later', 1100],
    ]);
    expect(queue.length).toBe(1);
    expect(queue.shift()).toBe('head');
    expect(queue.shift()).toBeUndefined();
  });

  it('re-arms its timer for an earlier deadline pushed later', () => {
    const { clock, drops, queue } = setup();
    queue.push('late', { deadline: 2000 });
    queue.push('early', { deadline: 1010 });
    clock.advance(10);
    expect(drops.map((d) => d.item)).toEqual(['early']);
  });

  it('drops an item the moment its signal aborts, with the reason as cause', () => {
    const { drops, queue } = setup();
    const ac = new AbortController();
    queue.push('a');
    queue.push('b', { signal: ac.signal });
    queue.push('c');
    ac.abort('client went away');
    expect(drops).toHaveLength(1);
    expect(drops[0]!.item).toBe('b');
    expect(drops[0]!.reason).toBeInstanceOf(AbortedError);
    expect(drops[0]!.reason.cause).toBe('client went away');
    expect(queue.length).toBe(2);
    expect(queue.drain()).toEqual(['a', 'c']);
  });

  it('calls onDrop from push for an item already expired or aborted, and does not queue it', () => {
    const { drops, queue } = setup({ capacity: 1 });
    queue.push('full');
    queue.push('expired', { deadline: 1000 });
    queue.push('aborted', { signal: AbortSignal.abort('no') });
    expect(drops.map((d) => [d.item, d.reason.name])).toEqual([
      ['expired', 'DeadlineExceededError'],
      ['aborted', 'AbortedError'],
    ]);
    expect(queue.length).toBe(1);
  });

  it('detaches from the signal and the timer once an item is shifted', () => {
    const { clock, drops, queue } = setup();
    const ac = new AbortController();
    queue.push('a', { signal: ac.signal, deadline: 1010 });
    expect(clock.pendingTimers).toBe(1);
    expect(queue.shift()).toBe('a');
    expect(clock.pendingTimers).toBe(0);
    ac.abort();
    clock.advance(100);
    expect(drops).toEqual([]);
  });

  it('serves LIFO once length reaches the overload threshold, FIFO below it', () => {
    const { queue } = setup({ capacity: 10, order: 'lifo-under-overload', overloadThreshold: 3 });
    for (const x of ['1', '2', '3', '4']) queue.push(x);
    expect(queue.shift()).toBe('4'); // length 4 ≥ 3: newest
    expect(queue.shift()).toBe('3'); // length 3 ≥ 3: newest
    expect(queue.shift()).toBe('1'); // length 2 < 3: oldest
    expect(queue.shift()).toBe('2');
  });

  it('skips dropped items at either end', () => {
    const { queue } = setup({ order: 'lifo-under-overload', overloadThreshold: 2 });
    const a = new AbortController();
    const d = new AbortController();
    queue.push('a', { signal: a.signal });
    queue.push('b');
    queue.push('c');
    queue.push('d', { signal: d.signal });
    a.abort();
    d.abort();
    expect(queue.length).toBe(2);
    expect(queue.shift()).toBe('c'); // LIFO (2 ≥ 2), skips dead 'd'
    expect(queue.shift()).toBe('b'); // FIFO, skips dead 'a'
    expect(queue.shift()).toBeUndefined();
  });

  it('stays correct when most items die while a live one holds the head', () => {
    const { clock, drops, queue } = setup({ capacity: 100_000 });
    queue.push('head');
    for (let i = 0; i < 5000; i++) queue.push(`x${i}`, { deadline: 1001 + (i % 7) });
    queue.push('tail');
    clock.advance(10);
    expect(drops).toHaveLength(5000);
    expect(queue.length).toBe(2);
    expect(queue.drain()).toEqual(['head', 'tail']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('still drops every expired item when an onDrop throws, then reports the error', () => {
    const clock = new FakeClock();
    const seen: string[] = [];
    const queue = new DeadlineQueue<string>({
      capacity: 5,
      clock,
      onDrop: (item) => {
        seen.push(item);
        if (item === 'a') throw new Error('boom');
      },
    });
    queue.push('a', { deadline: 5 });
    queue.push('b', { deadline: 5 });
    expect(() => clock.advance(5)).toThrow('boom');
    expect(seen).toEqual(['a', 'b']);
    expect(queue.length).toBe(0);
  });

  it('accepts Infinity as capacity', () => {
    const queue = new DeadlineQueue<number>({ capacity: Number.POSITIVE_INFINITY });
    for (let i = 0; i < 10_000; i++) queue.push(i);
    expect(queue.length).toBe(10_000);
  });

  it('rejects bad options with errors naming them', () => {
    expect(() => new DeadlineQueue({ capacity: 0 })).toThrow(
      /"capacity" must be an integer ≥ 1 \(or Infinity\); found 0/,
    );
    expect(() => new DeadlineQueue({ capacity: 1.5 })).toThrow(RangeError);
    expect(() => new DeadlineQueue({ capacity: Number.NaN })).toThrow(RangeError);
    expect(() => new DeadlineQueue(undefined as never)).toThrow(TypeError);
    expect(() => new DeadlineQueue({ capacity: 4, order: 'random' as never })).toThrow(
      /"order" must be one of/,
    );
    expect(() => new DeadlineQueue({ capacity: 4, overloadThreshold: 2 })).toThrow(/only with order/);
    expect(
      () => new DeadlineQueue({ capacity: 4, order: 'lifo-under-overload', overloadThreshold: 5 }),
    ).toThrow(/"overloadThreshold" must be an integer ≥ 1 ≤ 4; found 5/);
    expect(
      () => new DeadlineQueue({ capacity: Number.POSITIVE_INFINITY, order: 'lifo-under-overload' }),
    ).toThrow(/needs "overloadThreshold"/);
    expect(() => new DeadlineQueue({ capacity: 4, onDrop: 'x' as never })).toThrow(
      /"onDrop" must be a function/,
    );
    const q = new DeadlineQueue<string>({ capacity: 4 });
    expect(() => q.push('a', { deadline: Number.NaN })).toThrow(/"deadline" must be a number/);
    expect(() => q.push('a', { signal: {} as never })).toThrow(/"signal" must be an AbortSignal/);
    expect(q.length).toBe(0);
  });

  it('defaults the overload threshold to half the capacity', () => {
    const q = new DeadlineQueue<string>({ capacity: 9, order: 'lifo-under-overload' });
    expect(q.overloadThreshold).toBe(5);
  });
});
