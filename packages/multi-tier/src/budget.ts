/**
 * The global budget of workers and memory, and the eviction order when it is full. Pure: counts
 * and candidates in, a verdict out; the manager applies it.
 *
 * The cost of losing an idle worker is the waiting it would cause: its backend's arrival rate × the
 * start cost (ms of callers' waiting per second). The cheapest go first — rarely used and cheap to
 * start — and among equals the one idle longest, then the one holding more memory.
 *
 * Memory figures are what the manager counts: a process worker's last measured resident memory
 * (its backend's estimate until measured), a thread worker's estimate.
 */
import type { DemandFigures } from './demand.ts';
import type { ResolvedBudget } from './spec.ts';

/** The budget's limits (the sampling period is the manager's business). */
export type BudgetLimits = Pick<ResolvedBudget, 'maxWorkers' | 'maxMemoryMb'>;

export interface BudgetUse {
  workers: number;
  memoryMb: number;
}

export interface EvictionCandidate {
  backend: string;
  workerId: number;
  /** What it holds: measured, or its backend's estimate until measured. */
  memoryMb: number;
  /** When it was last used (or became ready), on the manager's clock. */
  lastUsedAt: number;
  figures: DemandFigures;
}

/** Whether one more worker of `memoryMb` fits beside `use`. */
export function fits(budget: BudgetLimits, use: BudgetUse, memoryMb: number): boolean {
  return use.workers + 1 <= budget.maxWorkers && use.memoryMb + memoryMb <= budget.maxMemoryMb;
}

/** The candidates in the order they should be evicted. */
export function evictionOrder(candidates: readonly EvictionCandidate[]): EvictionCandidate[] {
  return [...candidates].sort(
    (a, b) =>
      a.figures.valueMsPerSec - b.figures.valueMsPerSec ||
      a.lastUsedAt - b.lastUsedAt ||
      b.memoryMb - a.memoryMb,
  );
}

/**
 * The fewest workers, taken in eviction order, whose stop makes room for one more worker of
 * `memoryMb`; `undefined` when even evicting every candidate would not.
 */
export function chooseEvictions(
  budget: BudgetLimits,
  use: BudgetUse,
  memoryMb: number,
  candidates: readonly EvictionCandidate[],
): EvictionCandidate[] | undefined {
  const chosen: EvictionCandidate[] = [];
  let workers = use.workers;
  let memory = use.memoryMb;
  for (const c of evictionOrder(candidates)) {
    if (fits(budget, { workers, memoryMb: memory }, memoryMb)) break;
    chosen.push(c);
    workers -= 1;
    memory -= c.memoryMb;
  }
  return fits(budget, { workers, memoryMb: memory }, memoryMb) ? chosen : undefined;
}
