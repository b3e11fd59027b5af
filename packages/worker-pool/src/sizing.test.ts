import { describe, expect, it } from 'vitest';
import { idleSweep, workersToStart } from './sizing.ts';

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

describe('idleSweep', () => {
  const w = (idleSince: number) => ({ idleSince });
  const base = {
    keep: 1,
    now: 100,
    idleTimeoutMs: 40,
    idleFloor: Number.NEGATIVE_INFINITY,
    keepUntil: Number.POSITIVE_INFINITY,
  };

  it('stops the longest idle first, keeping `keep` of the live ones', () => {
    const [a, b, d] = [w(0), w(50), w(95)];
    // four live: a, b, d idle and one busy
    expect(idleSweep({ ...base, idle: [d, b, a], live: 4 }).stop).toEqual([a, b]);
    expect(idleSweep({ ...base, idle: [a, b, d], live: 4, keep: 3 }).stop).toEqual([a]);
    expect(idleSweep({ ...base, idle: [a, b], live: 2, keep: 2 }).stop).toEqual([]);
  });

  it('an idle worker goes exactly `idleTimeoutMs` after its last use, not before', () => {
    const a = w(60);
    expect(idleSweep({ ...base, idle: [a], live: 1, keep: 0, now: 99 })).toEqual({ stop: [], next: 100 });
    expect(idleSweep({ ...base, idle: [a], live: 1, keep: 0, now: 100 }).stop).toEqual([a]);
  });

  it('timeout 0 (stop at release): an idle worker above `keep` goes at once; a busy one sets no timer', () => {
    const a = w(100);
    expect(idleSweep({ ...base, idle: [a], live: 2, keep: 0, idleTimeoutMs: 0 })).toEqual({
      stop: [a],
      next: Number.POSITIVE_INFINITY,
    });
    expect(idleSweep({ ...base, idle: [], live: 1, keep: 0, idleTimeoutMs: 0 }).next).toBe(
      Number.POSITIVE_INFINITY,
    );
  });

  it('a busy (or starting) worker in surplus: look again a whole timeout from now', () => {
    expect(idleSweep({ ...base, idle: [], live: 2, keep: 1 }).next).toBe(140);
    // none in surplus: no look needed
    expect(idleSweep({ ...base, idle: [], live: 1, keep: 1 }).next).toBe(Number.POSITIVE_INFINITY);
  });

  it('idle time counts from the floor (the last demand) when later than the last use', () => {
    const a = w(0);
    expect(idleSweep({ ...base, idle: [a], live: 1, keep: 0, idleFloor: 90 })).toEqual({
      stop: [],
      next: 130,
    });
    expect(idleSweep({ ...base, idle: [a], live: 1, keep: 0, idleFloor: 60 }).stop).toEqual([a]);
  });

  it('a kept `min` that lapses (held by demand) is looked at when it lapses', () => {
    const a = w(100);
    expect(idleSweep({ ...base, idle: [a], live: 1, keep: 1, keepUntil: 130 })).toEqual({
      stop: [],
      next: 130,
    });
    expect(idleSweep({ ...base, idle: [a], live: 1, keep: 1, keepUntil: 100 }).next).toBe(
      Number.POSITIVE_INFINITY,
    );
  });
});
