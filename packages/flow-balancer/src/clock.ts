/**
 * Time, injected. Every piece that reads the time or sets a timer takes a `Clock`, so tests drive
 * time with `FakeClock` and production uses `systemClock`. Times are milliseconds on the clock's
 * own monotonic timeline (`performance.now()` for `systemClock`), not wall-clock `Date.now()`:
 * a deadline is `clock.now() + budgetMs`.
 */
import { BinaryHeap } from './internal/binary-heap.ts';
import { checkFunction, checkNumber } from './internal/validate.ts';

export interface Clock {
  /** Milliseconds on a monotonic timeline. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The platform clock: `performance.now()` and the global timers (Bun, Node ≥ 20, browsers). */
export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  setTimeout: (fn: () => void, ms: number): unknown => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle: unknown): void => globalThis.clearTimeout(handle as number),
});

interface FakeTimer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
}

/**
 * A clock that moves only when told to. `advance(ms)` fires every timer due within the window in
 * due-time order (ties in the order they were set), with `now()` equal to each timer's due time
 * while it runs; timers set by a firing timer fire in the same `advance` if they fall due in it.
 */
export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #live = new Set<number>();
  readonly #heap = new BinaryHeap<FakeTimer>((a, b) => a.due < b.due || (a.due === b.due && a.id < b.id));

  constructor(startMs = 0) {
    this.#now = checkNumber('FakeClock', 'startMs', startMs, {});
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): number {
    checkFunction('FakeClock.setTimeout', 'fn', fn);
    checkNumber('FakeClock.setTimeout', 'ms', ms, { infinity: true });
    const id = this.#nextId++;
    // Like the platform timers, a negative delay means "as soon as possible".
    this.#heap.push({ id, due: this.#now + Math.max(0, ms), fn });
    this.#live.add(id);
    return id;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle !== 'number' || !this.#live.delete(handle)) return;
    // Cleared timers leave the heap lazily; drop them in bulk once they are most of it.
    if (this.#heap.size > 64 && this.#heap.size > 2 * this.#live.size) {
      this.#heap.retain((t) => this.#live.has(t.id));
    }
  }

  /** Timers set and neither fired nor cleared. */
  get pendingTimers(): number {
    return this.#live.size;
  }

  /** Moves time forward by `ms`, firing the timers that fall due, in order. */
  advance(ms: number): void {
    checkNumber('FakeClock.advance', 'ms', ms, { min: 0 });
    const target = this.#now + ms;
    for (;;) {
      const next = this.#heap.peek();
      if (next === undefined || next.due > target) break;
      this.#heap.pop();
      if (!this.#live.delete(next.id)) continue;
      this.#now = Math.max(this.#now, next.due);
      next.fn();
    }
    this.#now = target;
  }
}
