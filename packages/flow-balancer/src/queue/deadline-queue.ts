/**
 * A bounded queue whose items can expire (a deadline) or be cancelled (an `AbortSignal`) while
 * they wait. Such an item leaves the queue, and `onDrop` is called, at the moment it expires or
 * aborts — from one timer for the earliest deadline, or the signal's abort listener — not when it
 * reaches the head. `length` counts live items only.
 *
 * `order: 'lifo-under-overload'` serves first-in-first-out while the queue is short and
 * last-in-first-out once `length ≥ overloadThreshold`: under overload the newest work (whose caller
 * is most likely still waiting) is served, the oldest ages out by its deadline.
 */
import type { CancelSignal } from '../cancel/cancellation.ts';
import { type Clock, systemClock } from '../clock.ts';
import { AbortedError, DeadlineExceededError, QueueFullError } from '../errors.ts';
import { BinaryHeap } from '../internal/binary-heap.ts';
import { checkFunction, checkNumber, checkOneOf } from '../internal/validate.ts';
import { RingBuffer } from './ring-buffer.ts';

export type QueueOrder = 'fifo' | 'lifo-under-overload';

/** Why an item left the queue without being shifted. */
export type DropReason = DeadlineExceededError | AbortedError;

export interface DeadlineQueueOptions<T> {
  /** Most live items held; `push` throws `QueueFullError` beyond. A positive integer or Infinity. */
  capacity: number;
  clock?: Clock;
  /** Default `'fifo'`. */
  order?: QueueOrder;
  /** With `'lifo-under-overload'`: the length from which `shift` serves the newest. Default ⌈capacity / 2⌉. */
  overloadThreshold?: number;
  /** Called at once when an item expires or aborts (and synchronously from `push` if it already has). */
  onDrop?: (item: T, reason: DropReason) => void;
}

export interface PushOptions {
  /** Absolute time, in the clock's milliseconds, by which the item must be shifted. */
  deadline?: number;
  /** An `AbortSignal`, or any `CancelSignal` (a `Cancellation`'s). */
  signal?: CancelSignal;
}

interface Entry<T> {
  readonly item: T;
  readonly deadline: number;
  readonly signal: CancelSignal | undefined;
  onAbort: (() => void) | undefined;
  live: boolean;
  inHeap: boolean;
}

const OWNER = 'DeadlineQueue';
/** Dead entries tolerated in the ring or heap before they are swept out in one pass. */
const SWEEP_MIN = 64;

export class DeadlineQueue<T> {
  readonly capacity: number;
  readonly order: QueueOrder;
  readonly overloadThreshold: number;
  readonly #clock: Clock;
  readonly #onDrop: ((item: T, reason: DropReason) => void) | undefined;
  readonly #ring = new RingBuffer<Entry<T>>();
  readonly #heap = new BinaryHeap<Entry<T>>((a, b) => a.deadline < b.deadline);
  #live = 0;
  /** Dead entries still in the ring. */
  #ringDead = 0;
  /** Dead entries still in the heap. */
  #heapDead = 0;
  /** Live entries with a finite deadline. */
  #timed = 0;
  #timer: unknown;
  #armedAt = Number.POSITIVE_INFINITY;

  constructor(options: DeadlineQueueOptions<T>) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`${OWNER}: options must be an object with at least "capacity"`);
    }
    this.capacity = checkNumber(OWNER, 'capacity', options.capacity, {
      integer: true,
      min: 1,
      infinity: true,
    });
    this.order =
      options.order === undefined
        ? 'fifo'
        : checkOneOf(OWNER, 'order', options.order, ['fifo', 'lifo-under-overload']);
    if (this.order === 'fifo') {
      if (options.overloadThreshold !== undefined) {
        throw new TypeError(
          `${OWNER}: "overloadThreshold" applies only with order "lifo-under-overload"; order is "fifo"`,
        );
      }
      this.overloadThreshold = Number.POSITIVE_INFINITY;
    } else if (options.overloadThreshold === undefined) {
      if (this.capacity === Number.POSITIVE_INFINITY) {
        throw new TypeError(
          `${OWNER}: an unbounded queue with order "lifo-under-overload" needs "overloadThreshold"`,
        );
      }
      this.overloadThreshold = Math.ceil(this.capacity / 2);
    } else {
      this.overloadThreshold = checkNumber(OWNER, 'overloadThreshold', options.overloadThreshold, {
        integer: true,
        min: 1,
        ...(this.capacity !== Number.POSITIVE_INFINITY && { max: this.capacity }),
      });
    }
    this.#clock = options.clock ?? systemClock;
    if (options.onDrop !== undefined) checkFunction(OWNER, 'onDrop', options.onDrop);
    this.#onDrop = options.onDrop;
  }

  /** Live items waiting. */
  get length(): number {
    return this.#live;
  }

  /**
   * Adds `item`. Throws `QueueFullError` when `length` has reached `capacity`. An item whose
   * deadline has already passed, or whose signal has already aborted, is not queued: `onDrop` is
   * called for it before `push` returns.
   */
  push(item: T, options?: PushOptions): void {
    const deadline = options?.deadline ?? Number.POSITIVE_INFINITY;
    const signal = options?.signal;
    if (typeof deadline !== 'number' || Number.isNaN(deadline)) {
      throw new TypeError(
        `${OWNER}.push: "deadline" must be a number of clock milliseconds; found ${String(deadline)}`,
      );
    }
    if (signal !== undefined && typeof signal?.addEventListener !== 'function') {
      throw new TypeError(`${OWNER}.push: "signal" must be an AbortSignal`);
    }
    if (signal?.aborted) {
      this.#onDrop?.(item, new AbortedError(signal.reason));
      return;
    }
    if (deadline !== Number.POSITIVE_INFINITY) {
      const now = this.#clock.now();
      if (deadline <= now) {
        this.#onDrop?.(item, new DeadlineExceededError(deadline, now));
        return;
      }
    }
    if (this.#live >= this.capacity) throw new QueueFullError(this.capacity);

    const entry: Entry<T> = { item, deadline, signal, onAbort: undefined, live: true, inHeap: false };
    this.#ring.push(entry);
    this.#live++;
    if (signal !== undefined) {
      entry.onAbort = () => this.#abort(entry);
      signal.addEventListener('abort', entry.onAbort, { once: true });
    }
    if (deadline !== Number.POSITIVE_INFINITY) {
      entry.inHeap = true;
      this.#timed++;
      this.#heap.push(entry);
      if (deadline < this.#armedAt) this.#arm(deadline);
    }
  }

  /** Removes and returns the next live item (oldest, or newest under overload in LIFO mode). */
  shift(): T | undefined {
    const lifo = this.#live >= this.overloadThreshold;
    for (;;) {
      const entry = lifo ? this.#ring.pop() : this.#ring.shift();
      if (entry === undefined) return undefined;
      if (!entry.live) {
        this.#ringDead--;
        continue;
      }
      this.#kill(entry);
      this.#afterRemoval();
      return entry.item;
    }
  }

  /** Removes every live item, oldest first, without calling `onDrop`. */
  drain(): T[] {
    const out: T[] = [];
    for (const entry of this.#ring) {
      if (!entry.live) continue;
      this.#kill(entry);
      out.push(entry.item);
    }
    this.#ring.clear();
    this.#ringDead = 0;
    this.#afterRemoval();
    return out;
  }

  /** Marks an entry gone and detaches it from its signal; the caller fixes ring/heap counters. */
  #kill(entry: Entry<T>): void {
    entry.live = false;
    this.#live--;
    if (entry.onAbort !== undefined) {
      entry.signal!.removeEventListener('abort', entry.onAbort);
      entry.onAbort = undefined;
    }
    if (entry.inHeap) {
      this.#timed--;
      this.#heapDead++;
    }
  }

  /** Sweeps dead entries once they dominate, and stops the timer when nothing timed is left. */
  #afterRemoval(): void {
    if (this.#ringDead > SWEEP_MIN && this.#ringDead > this.#live) {
      this.#ring.retain((e) => e.live);
      this.#ringDead = 0;
    }
    if (this.#timed === 0) {
      if (this.#heap.size > 0) this.#heap.clear();
      this.#heapDead = 0;
      if (this.#timer !== undefined) this.#disarm();
    } else if (this.#heapDead > SWEEP_MIN && this.#heapDead > this.#timed) {
      this.#heap.retain((e) => {
        if (!e.live) e.inHeap = false;
        return e.live;
      });
      this.#heapDead = 0;
    }
  }

  #abort(entry: Entry<T>): void {
    if (!entry.live) return;
    const reason = new AbortedError(entry.signal!.reason);
    entry.onAbort = undefined; // the listener was registered with { once: true }
    this.#kill(entry);
    this.#ringDead++;
    this.#afterRemoval();
    this.#onDrop?.(entry.item, reason);
  }

  #arm(deadline: number): void {
    this.#disarm();
    this.#armedAt = deadline;
    this.#timer = this.#clock.setTimeout(() => this.#expire(), Math.max(0, deadline - this.#clock.now()));
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
  }

  #expire(): void {
    this.#timer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    const expired: Entry<T>[] = [];
    for (;;) {
      const top = this.#heap.peek();
      if (top === undefined) break;
      if (!top.live) {
        this.#heap.pop();
        top.inHeap = false;
        this.#heapDead--;
        continue;
      }
      if (top.deadline > now) {
        // Platform timers may fire a little early; wait at least 1 ms more then.
        this.#armedAt = top.deadline;
        this.#timer = this.#clock.setTimeout(() => this.#expire(), Math.max(1, top.deadline - now));
        break;
      }
      this.#heap.pop();
      this.#kill(top);
      top.inHeap = false;
      this.#heapDead--;
      this.#ringDead++;
      expired.push(top);
    }
    this.#afterRemoval();
    const onDrop = this.#onDrop;
    if (onDrop === undefined) return;
    let failure: { error: unknown } | undefined;
    for (const entry of expired) {
      try {
        onDrop(entry.item, new DeadlineExceededError(entry.deadline, now));
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) throw failure.error;
  }
}
