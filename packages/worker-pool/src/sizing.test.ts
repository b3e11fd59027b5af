import { describe, expect, it } from 'vitest';
import { idleToStop, workersToStart } from './sizing.ts';

const base = { live: 0, starting: 0, freeSlots: 0, queued: 0, concurrency: 4, min: 1, max: 4 };

describe('workersToStart', () => {
  it('fills up to min', () => {
    expect(workersToStart(base)).toBe(1);
    expect(workersToStart({ ...base, min: 3 })).toBe(3);
    expect(workersToStart({ ...base, live: 1, freeSlots: 4 })).toBe(0);
  });

  it('adds a worker per `concurrency` tasks that have no place, up to max', () => {
    expect(workersToStart({ ...base, live: 1, queued: 1 })).toBe(1);
    expect(workersToStart({ ...base, live: 1, queued: 9 })).toBe(3);
    expect(workersToStart({ ...base, live: 1, queued: 100 })).toBe(3);
    // slots already coming count
    expect(workersToStart({ ...base, live: 2, starting: 1, queued: 4 })).toBe(0);
    expect(workersToStart({ ...base, live: 1, freeSlots: 2, queued: 2 })).toBe(0);
  });
});

describe('idleToStop', () => {
  const w = (outstanding: number, idleSince: number) => ({ outstanding, idleSince });
  it('stops the longest idle first, keeping min', () => {
    const a = w(0, 0);
    const b = w(0, 50);
    const c = w(1, 0);
    const d = w(0, 95);
    expect(idleToStop([a, b, c, d], 4, 1, 100, 40)).toEqual([a, b]);
    expect(idleToStop([a, b, c, d], 4, 3, 100, 40)).toEqual([a]);
    expect(idleToStop([a, b, c, d], 2, 2, 100, 40)).toEqual([]);
  });
});
