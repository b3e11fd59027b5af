/** The `stats()` snapshot of a pool, and each worker's record for `workerStats()`. */
import type { PoolState, WorkerInfo } from './events.ts';
import type { HistogramSnapshot } from './histogram.ts';
import type { WorkerState } from './pool-worker.ts';
import type { WorkerSlot } from './worker-slot.ts';

export interface PoolCounters {
  /** Tasks that ended well / badly (any way: error, timeout, abort, crash, refusal). */
  completed: number;
  failed: number;
  /** Workers that went away on their own, failed a health check, or failed to start. */
  crashes: number;
  /** Workers started to replace crashed ones. */
  restarts: number;
  /** Workers started in all. */
  started: number;
  protocolFaults: number;
}

export interface PoolStats extends PoolCounters {
  state: PoolState;
  /** Live workers by state. */
  workers: Record<Exclude<WorkerState, 'exited'>, number> & { total: number };
  /** Tasks waiting for a worker. */
  queued: number;
  /** Tasks on workers now. */
  inFlight: number;
  /** Time on a worker, ms. */
  runTime: HistogramSnapshot;
  /** Time queued before a worker took it, ms. */
  waitTime: HistogramSnapshot;
  /** The last stderr lines of the last process worker that exited. */
  stderrTail: readonly string[];
}

export interface StatsInput {
  state: PoolState;
  slots: Iterable<{ state: WorkerState }>;
  queued: number;
  inFlight: number;
  counters: PoolCounters;
  runTime: HistogramSnapshot;
  waitTime: HistogramSnapshot;
  stderrTail: readonly string[];
}

export function statsOf(i: StatsInput): PoolStats {
  const workers = { starting: 0, ready: 0, retiring: 0, stopping: 0, total: 0 };
  for (const s of i.slots) {
    if (s.state === 'exited') continue;
    workers[s.state]++;
    workers.total++;
  }
  return {
    state: i.state,
    workers,
    queued: i.queued,
    inFlight: i.inFlight,
    ...i.counters,
    runTime: i.runTime,
    waitTime: i.waitTime,
    stderrTail: [...i.stderrTail],
  };
}

/** One live worker's record. */
export function workerInfo(s: WorkerSlot): WorkerInfo {
  return {
    id: s.id,
    kind: s.kind,
    pid: s.pid,
    state: s.state as WorkerInfo['state'],
    key: s.key,
    outstanding: s.outstanding,
    waiting: s.waiting.length,
    tasksGiven: s.tasksGiven,
    startupMs: s.readyAt === 0 ? undefined : s.readyAt - s.startedAt,
    idleSince: s.idleSince,
    rssBytes: s.state === 'starting' ? undefined : s.rssBytes(),
  };
}
