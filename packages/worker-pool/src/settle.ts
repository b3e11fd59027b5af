/**
 * A task's accounting, from the worker taking it to its one ending: its wait recorded and
 * `task-started` told; at the end, its promise settled once (for a forwarded JSON-RPC request, with
 * a response in the caller's id), its timer and abort listener dropped, the pool's task counters and
 * run-time histogram fed, and `task-settled` told. The pool decides what happens; this records it.
 * Tasks of the pool's own (`direct`: handshakes, probes) are settled but not counted.
 */
import type { Clock } from '@switchyard/flow-balancer';
import type { TaskFailedError, WorkerLossReason } from './errors.ts';
import type { EventHub, PoolEventOf } from './events.ts';
import { Histogram } from './histogram.ts';
import type { JsonRpcRequest, JsonRpcResponse } from './jsonrpc.ts';
import type { PoolCounters } from './stats.ts';
import { DONE, RUNNING } from './task.ts';
import type { SlotTask, WorkerSlot } from './worker-slot.ts';

export type Outcome = PoolEventOf<'task-settled'>['outcome'];

export class TaskLedger {
  readonly counters: PoolCounters = {
    completed: 0,
    failed: 0,
    crashes: 0,
    restarts: 0,
    started: 0,
    protocolFaults: 0,
  };
  /** Time on a worker, ms. */
  readonly runTime = new Histogram();
  /** Time queued before a worker took it, ms. */
  readonly waitTime = new Histogram();
  readonly #clock: Clock;
  readonly #events: EventHub;

  constructor(clock: Clock, events: EventHub) {
    this.#clock = clock;
    this.#events = events;
  }

  /** `task` went to `slot` at `now` (not the pool's own tasks). */
  started(task: SlotTask, slot: WorkerSlot, now: number): void {
    this.waitTime.record(now - task.submittedAt);
    if (this.#events.taskListeners) {
      this.#events.emit({
        type: 'task-started',
        taskId: task.id,
        workerId: slot.id,
        waitMs: now - task.submittedAt,
      });
    }
  }

  /** Settle a task once; later calls do nothing. */
  finish(task: SlotTask, outcome: Outcome, value: unknown, lossReason?: WorkerLossReason): void {
    if (task.state === DONE) return;
    const wasRunning = task.state === RUNNING;
    task.state = DONE;
    if (task.timer !== undefined) this.#clock.clearTimeout(task.timer as never);
    if (task.onAbort) task.signal!.removeEventListener('abort', task.onAbort);
    const now = wasRunning || this.#events.taskListeners ? this.#clock.now() : 0;
    const runMs = wasRunning ? now - task.startedAt : 0;
    if (!task.direct) {
      if (outcome === 'ok') this.counters.completed++;
      else this.counters.failed++;
      if (wasRunning) this.runTime.record(runMs);
    }
    if (task.callerId !== undefined && (outcome === 'ok' || outcome === 'error')) {
      task.resolve(responseFor(task.callerId, outcome === 'ok', value));
    } else if (outcome === 'ok') {
      task.resolve(value);
    } else {
      task.reject(value);
    }
    if (this.#events.taskListeners && !task.direct) {
      this.#events.emit({
        type: 'task-settled',
        taskId: task.id,
        workerId: task.slot?.id,
        outcome,
        waitMs: (wasRunning ? task.startedAt : now) - task.submittedAt,
        runMs,
        ...(lossReason && { lossReason }),
      });
    }
  }
}

function responseFor(id: JsonRpcRequest['id'], ok: boolean, value: unknown): JsonRpcResponse {
  if (ok) return { jsonrpc: '2.0', id, result: value };
  const e = value as TaskFailedError;
  return {
    jsonrpc: '2.0',
    id,
    error: {
      code: typeof e.code === 'number' ? e.code : -32603,
      message: e.message,
      ...(e.data !== undefined && { data: e.data }),
    },
  };
}
