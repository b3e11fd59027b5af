import { describe, expect, it } from 'vitest';
import { chooseEvictions, type EvictionCandidate, evictionOrder, fits } from './budget.ts';
import type { DemandFigures } from './demand.ts';

const figures = (valueMsPerSec: number): DemandFigures => ({
  ratePerSec: valueMsPerSec / 100,
  meanGapMs: 1000,
  idleMs: 0,
  startCostMs: 100,
  valueMsPerSec,
  useWithinTtl: 0.5,
  memoryMb: 64,
});
const candidate = (backend: string, value: number, lastUsedAt = 0, memoryMb = 64): EvictionCandidate => ({
  backend,
  workerId: backend.length,
  memoryMb,
  lastUsedAt,
  figures: figures(value),
});

describe('budget', () => {
  it('fits a worker while both the worker count and the memory allow', () => {
    const budget = { maxWorkers: 3, maxMemoryMb: 200 };
    expect(fits(budget, { workers: 2, memoryMb: 100 }, 100)).toBe(true);
    expect(fits(budget, { workers: 3, memoryMb: 0 }, 1)).toBe(false);
    expect(fits(budget, { workers: 0, memoryMb: 150 }, 51)).toBe(false);
  });

  it('evicts the cheapest loss first: rarely used and cheap to start, then the longest idle, then the biggest', () => {
    const order = evictionOrder([
      candidate('busy', 300),
      candidate('rare-old', 1, 0),
      candidate('rare-recent', 1, 500),
      candidate('never-small', 0, 100, 16),
      candidate('never-big', 0, 100, 256),
    ]);
    expect(order.map((c) => c.backend)).toEqual([
      'never-big',
      'never-small',
      'rare-old',
      'rare-recent',
      'busy',
    ]);
  });

  it('chooses the fewest evictions that make room, or none when nothing would', () => {
    const budget = { maxWorkers: 3, maxMemoryMb: 1000 };
    const use = { workers: 3, memoryMb: 192 };
    const cands = [candidate('a', 10), candidate('b', 5), candidate('c', 20)];
    expect(chooseEvictions(budget, use, 64, cands)?.map((c) => c.backend)).toEqual(['b']);
    expect(chooseEvictions(budget, { workers: 2, memoryMb: 0 }, 64, cands)).toEqual([]);
    const tight = { maxWorkers: 10, maxMemoryMb: 200 };
    expect(chooseEvictions(tight, { workers: 3, memoryMb: 192 }, 100, cands)?.map((c) => c.backend)).toEqual([
      'b',
      'a',
    ]);
    expect(chooseEvictions(budget, use, 64, [])).toBeUndefined();
    expect(chooseEvictions(tight, { workers: 3, memoryMb: 192 }, 500, cands)).toBeUndefined();
  });
});
