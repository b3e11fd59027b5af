import { FakeClock } from '@switchyard/flow-balancer';
import { describe, expect, it } from 'vitest';
import { PinnedWait, spareFor } from './pinning.ts';
import { Task } from './task.ts';
import type { SlotTask, WorkerSlot } from './worker-slot.ts';

type Fake = Pick<WorkerSlot, 'id' | 'key' | 'state' | 'outstanding' | 'waiting' | 'idleSince'>;
const slot = (id: number, over: Partial<Fake> = {}): WorkerSlot =>
  ({ id, key: undefined, state: 'ready', outstanding: 0, waiting: [], idleSince: 0, ...over }) as WorkerSlot;

describe('spareFor', () => {
  it('gives the longest idle ready unreserved worker, else one starting, never a reserved or busy one', () => {
    const a = slot(1, { idleSince: 50 });
    const b = slot(2, { idleSince: 10 });
    const reserved = slot(3, { key: 'k', idleSince: 0 });
    const busy = slot(4, { outstanding: 1, idleSince: 0 });
    expect(spareFor([a, b, reserved, busy])?.id).toBe(2);
    const starting = slot(5, { state: 'starting' });
    expect(spareFor([busy, reserved, starting])?.id).toBe(5);
    expect(spareFor([busy, reserved, slot(6, { state: 'retiring' })])).toBeUndefined();
  });
});

describe('PinnedWait', () => {
  const task = (deadline: number, signal?: AbortSignal): SlotTask => {
    const t = new Task<WorkerSlot>(
      1,
      'm',
      null,
      0,
      signal,
      undefined,
      undefined,
      undefined,
      undefined,
      false,
    );
    t.deadline = deadline;
    return t;
  };

  it('takes a task off its worker’s line when its deadline passes or its signal fires, not after end()', () => {
    const clock = new FakeClock();
    const left: string[] = [];
    const wait = new PinnedWait(clock, (t, s, why) => left.push(`${t.id}@${s.id}:${why}`));
    const s = slot(7);
    const late = task(100);
    wait.wait(late, s);
    const ac = new AbortController();
    const aborted = task(Number.POSITIVE_INFINITY, ac.signal);
    wait.wait(aborted, s);
    const served = task(50);
    wait.wait(served, s);
    expect(s.waiting).toHaveLength(3);
    ac.abort();
    s.waiting.splice(s.waiting.indexOf(served), 1);
    wait.end(served); // it runs now: its deadline no longer takes it off the line
    clock.advance(100);
    expect(left).toEqual(['1@7:aborted', '1@7:timeout']);
    expect(s.waiting).toEqual([]);
  });
});
