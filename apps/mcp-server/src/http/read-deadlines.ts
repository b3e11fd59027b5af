/**
 * The body deadlines of the front door, on one timer. Every read gets the same budget, so
 * deadlines fall due in the order the reads started: a FIFO queue with a single timer armed for
 * its oldest open read replaces a timer set and cleared per request. A read that ends leaves its
 * entry behind, marked; ended entries at the head are dropped as reads start and as the timer
 * fires, and the queue is compacted once they are most of it (a slow read at the head holds back
 * the ones behind it until it expires).
 */
import { type Clock, systemClock } from '@switchyard/flow-balancer';

interface Entry {
  /** When the read is given up on, on the clock's timeline. */
  readonly at: number;
  /** Called once it is; undefined once the read ended first. */
  expire: (() => void) | undefined;
}

/** Entries (ended ones included) past which the queue is compacted when most have ended. */
const COMPACT_AT = 1_024;

export class ReadDeadlines {
  private queue: Entry[] = [];
  /** Index of the oldest entry still in `queue`. */
  private head = 0;
  /** Reads started and not yet ended or expired. */
  private open = 0;
  private timer: unknown;
  /** When the armed timer falls due (undefined: none armed). */
  private armedAt: number | undefined;

  constructor(
    readonly timeoutMs: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Reads in flight (tests). */
  get pending(): number {
    return this.open;
  }

  /**
   * A read starts now: `expire` is called once `timeoutMs` have passed, unless the returned
   * `ended` is called first (calling it again, or after the expiry, does nothing).
   */
  start(expire: () => void): () => void {
    const entry: Entry = { at: this.clock.now() + this.timeoutMs, expire };
    this.dropEnded();
    this.queue.push(entry);
    this.open++;
    if (this.armedAt === undefined) this.arm(entry.at);
    return () => {
      if (entry.expire === undefined) return;
      entry.expire = undefined;
      this.open--;
      if (this.queue.length - this.head > COMPACT_AT && this.open * 2 < this.queue.length - this.head)
        this.compact();
    };
  }

  private arm(at: number): void {
    this.armedAt = at;
    this.timer = this.clock.setTimeout(() => this.fire(), Math.max(0, at - this.clock.now()));
    // The timer alone keeps no process alive: a read in flight has its connection for that.
    (this.timer as { unref?: () => void } | undefined)?.unref?.();
  }

  private fire(): void {
    this.armedAt = undefined;
    this.timer = undefined;
    const now = this.clock.now();
    while (this.head < this.queue.length) {
      const entry = this.queue[this.head] as Entry;
      if (entry.expire !== undefined) {
        if (entry.at > now) break;
        const expire = entry.expire;
        entry.expire = undefined;
        this.open--;
        expire();
      }
      this.head++;
    }
    this.reset();
    const next = this.queue[this.head];
    if (next !== undefined) this.arm(next.at);
  }

  /** Drops ended entries at the head. */
  private dropEnded(): void {
    while (this.head < this.queue.length && (this.queue[this.head] as Entry).expire === undefined)
      this.head++;
    this.reset();
  }

  /** Reclaims the head's room once the queue is empty or mostly consumed. */
  private reset(): void {
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > COMPACT_AT && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Keeps only the open entries (a slow read at the head held back many ended ones). */
  private compact(): void {
    this.queue = this.queue.slice(this.head).filter((e) => e.expire !== undefined);
    this.head = 0;
  }

  /** Stops the timer (the reads still open never expire). */
  close(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = undefined;
  }
}
