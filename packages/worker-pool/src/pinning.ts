/**
 * Pinning's pure parts: which spare a key is given, and a pinned task's wait in its worker's own line
 * (bounded by its deadline and signal). The pool wires them (`reserve()`, `run(…, { workerId | key })`).
 */
import type { Clock } from '@switchyard/flow-balancer';
import type { SlotTask, WorkerSlot } from './worker-slot.ts';

/**
 * The spare a key should be given: an idle ready unreserved worker (the longest idle; a health
 * probe in flight does not make it busy), else an unreserved one still starting.
 */
export function spareFor(slots: Iterable<WorkerSlot>): WorkerSlot | undefined {
  let ready: WorkerSlot | undefined;
  let starting: WorkerSlot | undefined;
  for (const s of slots) {
    if (s.key !== undefined) continue;
    if (s.state === 'ready' && s.outstanding === 0 && s.waiting.length === 0) {
      if (!ready || s.idleSince < ready.idleSince) ready = s;
    } else if (s.state === 'starting' && !starting) {
      starting = s;
    }
  }
  return ready ?? starting;
}

/** Waiting in a worker's own line: a pinned task whose worker has no free slot (or is starting). */
export class PinnedWait {
  readonly #clock: Clock;
  readonly #gaveUp: (task: SlotTask, slot: WorkerSlot, why: 'timeout' | 'aborted') => void;

  /** `gaveUp`: the task left the line (its deadline passed, its signal fired); settle it. */
  constructor(clock: Clock, gaveUp: (task: SlotTask, slot: WorkerSlot, why: 'timeout' | 'aborted') => void) {
    this.#clock = clock;
    this.#gaveUp = gaveUp;
  }

  /** Put `task` at the end of `slot`'s line. */
  wait(task: SlotTask, slot: WorkerSlot): void {
    task.slot = slot;
    slot.waiting.push(task);
    if (task.deadline !== Number.POSITIVE_INFINITY) {
      task.timer = this.#clock.setTimeout(
        () => this.#leave(task, 'timeout'),
        Math.max(0, task.deadline - this.#clock.now()),
      );
    }
    if (task.signal) {
      task.onAbort = () => this.#leave(task, 'aborted');
      task.signal.addEventListener('abort', task.onAbort, { once: true });
    }
  }

  /** The task's wait is over (it runs now, or is settled): drop its timer and listener. */
  end(task: SlotTask): void {
    if (task.timer !== undefined) this.#clock.clearTimeout(task.timer as never);
    if (task.onAbort) task.signal!.removeEventListener('abort', task.onAbort);
    task.timer = undefined;
    task.onAbort = undefined;
  }

  #leave(task: SlotTask, why: 'timeout' | 'aborted'): void {
    const slot = task.slot!;
    const i = slot.waiting.indexOf(task);
    if (i !== -1) slot.waiting.splice(i, 1);
    task.timer = undefined;
    task.slot = undefined;
    this.#gaveUp(task, slot, why);
  }
}
