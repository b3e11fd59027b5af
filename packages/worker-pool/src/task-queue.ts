/**
 * Tasks waiting for a worker: flow-balancer's bounded `DeadlineQueue` (a ring buffer, so 100k
 * waiting tasks stay cheap), which drops a task at once when its deadline passes or its signal
 * aborts.
 */
import { type Clock, DeadlineQueue, isAbortedError, isQueueFullError } from '@switchyard/flow-balancer';
import type { SlotTask as Task } from './worker-slot.ts';

export type DropReason = 'deadline' | 'aborted';

export class TaskQueue {
  readonly #queue: DeadlineQueue<Task> | undefined;

  constructor(capacity: number, clock: Clock, onDrop: (task: Task, reason: DropReason) => void) {
    this.#queue =
      capacity > 0
        ? new DeadlineQueue<Task>({
            capacity,
            clock,
            onDrop: (task, reason) => onDrop(task, isAbortedError(reason) ? 'aborted' : 'deadline'),
          })
        : undefined;
  }

  /** False when the queue is full. */
  push(task: Task): boolean {
    if (!this.#queue) return false;
    try {
      this.#queue.push(task, {
        ...(task.deadline !== Number.POSITIVE_INFINITY && { deadline: task.deadline }),
        ...(task.signal && { signal: task.signal }),
      });
      return true;
    } catch (e) {
      if (isQueueFullError(e)) return false;
      throw e;
    }
  }

  shift(): Task | undefined {
    return this.#queue?.shift();
  }

  get length(): number {
    return this.#queue?.length ?? 0;
  }

  /** Every waiting task, removed. */
  drain(): Task[] {
    return this.#queue ? [...this.#queue.drain()] : [];
  }
}
