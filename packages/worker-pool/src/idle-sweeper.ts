/**
 * The pool's idle rule, wired: which unreserved workers are idle (ready, nothing in hand: no task,
 * no pinned wait, no hold), when to look next (one timer on the idle clock, at the next expiry),
 * demand on the spares, and the idle workers a caller may take. The decision itself is pure
 * (`sizing.ts` `idleSweep`); the pool tells the sweeper when something changed.
 */
import type { Clock } from '@switchyard/flow-balancer';
import { unref } from './health.ts';
import { idleSweep } from './sizing.ts';
import type { WorkerSlot } from './worker-slot.ts';

/** What the sweeper reads of the pool, and the one thing it does to it. */
export interface IdleHost {
  slots(): Iterable<WorkerSlot>;
  /** The pool's live options (`resize()` changes them). */
  readonly options: {
    readonly min: number;
    readonly idleTimeoutMs: number;
    readonly minHeldByDemand: boolean;
  };
  /** Running or draining: idle workers may go. */
  active(): boolean;
  /** Tasks waiting in the pool's queue: no worker is stopped for idleness while any wait. */
  queued(): number;
  /** Stop `slot` for idleness (`worker-recycled` with reason `idle`). */
  retire(slot: WorkerSlot): void;
}

export interface IdleWorkersOptions {
  /** Only the idle ones above `min` (what the pool could lose and still keep its `min`). */
  beyondMin?: boolean;
  /** The reserved workers that are idle instead of the unreserved ones. */
  reserved?: boolean;
}

/** Ready with nothing in hand: no task given it, no pinned task waiting, no hold. */
export function isIdle(s: WorkerSlot): boolean {
  return s.state === 'ready' && s.outstanding === 0 && s.waiting.length === 0 && s.holds === 0;
}

export class IdleSweeper {
  /** The clock of idle time: idle since, the sweep's timer, demand. */
  readonly clock: Clock;
  readonly #host: IdleHost;
  #timer: unknown;
  /** More unreserved workers live than `min` (as of the last sweep): a release may make one go. */
  #surplus = false;
  /** The last demand on the spares (`demand()`), on the idle clock. */
  #demandAt = Number.NEGATIVE_INFINITY;

  constructor(clock: Clock, host: IdleHost) {
    this.clock = clock;
    this.#host = host;
  }

  /** `min` at `now`: none once a `min` held by demand has had none for `idleTimeoutMs`. */
  minAt(now: number): number {
    const o = this.#host.options;
    return o.minHeldByDemand && now >= this.#demandAt + o.idleTimeoutMs ? 0 : o.min;
  }

  /** `min` now. */
  min(): number {
    return this.minAt(this.clock.now());
  }

  /** Demand on the spares now: each unreserved worker counts as used now; a held `min` holds on. */
  demand(): void {
    this.#demandAt = this.clock.now();
    if (this.#host.options.minHeldByDemand && this.#timer === undefined) this.sweep();
  }

  /** An unreserved worker became idle: look now if it may go now (no look pending, or timeout 0). */
  freed(): void {
    if (this.#surplus && (this.#timer === undefined || this.#host.options.idleTimeoutMs === 0)) this.sweep();
  }

  /**
   * Stop the unreserved workers idle past `idleTimeoutMs` while more live than `min`, longest idle
   * first, and set the timer for the next look. Reserved workers are never stopped here.
   */
  sweep(): void {
    this.stop();
    const host = this.#host;
    if (!host.active()) return;
    const o = host.options;
    const now = this.clock.now();
    const idle: WorkerSlot[] = [];
    let live = 0;
    for (const s of host.slots()) {
      if (s.key !== undefined) continue;
      if (s.state === 'starting') live++;
      else if (s.state === 'ready') {
        live++;
        if (isIdle(s)) idle.push(s);
      }
    }
    const keep = this.minAt(now);
    const plan = idleSweep({
      idle,
      live,
      keep,
      now,
      idleTimeoutMs: o.idleTimeoutMs,
      idleFloor: this.#demandAt,
      keepUntil: o.minHeldByDemand && keep > 0 ? this.#demandAt + o.idleTimeoutMs : Number.POSITIVE_INFINITY,
    });
    const stop = host.queued() > 0 ? [] : plan.stop;
    this.#surplus = live - stop.length > keep;
    for (const slot of stop) host.retire(slot);
    if (plan.next !== Number.POSITIVE_INFINITY) {
      this.#timer = unref(
        this.clock.setTimeout(() => {
          this.#timer = undefined;
          this.sweep();
        }, plan.next - now),
      );
    }
  }

  /**
   * The idle workers, longest idle first: unreserved ones, or with `reserved` the reserved ones;
   * with `beyondMin`, only as many unreserved as live above `min`.
   */
  idleWorkers(options: IdleWorkersOptions = {}): WorkerSlot[] {
    const reserved = options.reserved === true;
    const idle: WorkerSlot[] = [];
    let live = 0;
    for (const s of this.#host.slots()) {
      if ((s.key !== undefined) !== reserved) continue;
      if (s.state === 'starting' || s.state === 'ready') live++;
      if (isIdle(s)) idle.push(s);
    }
    idle.sort((a, b) => a.idleSince - b.idleSince);
    if (reserved || options.beyondMin !== true) return idle;
    return idle.slice(0, Math.max(0, live - this.min()));
  }

  /** No look pending (the pool stopped or failed). */
  stop(): void {
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer as never);
    this.#timer = undefined;
    this.#surplus = false;
  }
}
