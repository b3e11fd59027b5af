/** How many workers to start, and which to stop for idleness: pure decisions on counts. */

export interface SizingInput {
  /** Workers starting or ready (not retiring or stopping). */
  live: number;
  /** Of those, the ones still starting. */
  starting: number;
  /** Free task slots on ready workers. */
  freeSlots: number;
  queued: number;
  concurrency: number;
  min: number;
  max: number;
}

/**
 * Enough workers to reach `min`, plus, under queue pressure (more tasks waiting than the free
 * slots of ready workers and the slots of those starting), one worker per `concurrency` tasks
 * still without a place — never past `max`.
 */
export function workersToStart(s: SizingInput): number {
  const toMin = s.min - s.live;
  const coming = s.freeSlots + s.starting * s.concurrency;
  const unplaced = s.queued - coming;
  const forPressure = unplaced > 0 ? Math.ceil(unplaced / s.concurrency) : 0;
  return Math.max(0, Math.min(s.max - s.live, Math.max(toMin, forPressure)));
}

export interface IdleCandidate {
  /** When it last had nothing in hand (its last task done, its last hold released), on the idle clock. */
  idleSince: number;
}

export interface IdleSweepInput<T extends IdleCandidate> {
  /** Unreserved ready workers with nothing in hand: no task, no pinned wait, no hold. */
  idle: readonly T[];
  /** Unreserved workers starting or ready (the idle ones included). */
  live: number;
  /** Of `live`, how many to keep now (`min`, or 0 once it lapsed). */
  keep: number;
  now: number;
  /** How long a worker stays idle before it may go; 0: at once (at its last release). */
  idleTimeoutMs: number;
  /** A worker's idle time counts from no earlier than this (the last demand on the spares). */
  idleFloor: number;
  /** When `keep` lapses (a `min` held by demand): a look is due then. Infinity: never. */
  keepUntil: number;
}

export interface IdleSweep<T> {
  /** The workers to stop now, longest idle first. */
  stop: T[];
  /** When to look again, on the idle clock; Infinity: not before something changes. */
  next: number;
}

/**
 * The idle rule: while more workers live than are kept, the longest idle go once idle for
 * `idleTimeoutMs` (counted from their last use, or from `idleFloor` if later) — never below
 * `keep`. The next look is the earliest of: an idle worker's expiry; `keepUntil`; and, when a
 * worker in surplus is busy (or starting), a whole timeout from now — it cannot expire before, so
 * its releases need not look.
 */
export function idleSweep<T extends IdleCandidate>(s: IdleSweepInput<T>): IdleSweep<T> {
  let next = s.keepUntil > s.now ? s.keepUntil : Number.POSITIVE_INFINITY;
  let surplus = s.live - s.keep;
  const stop: T[] = [];
  if (surplus <= 0) return { stop, next };
  if (s.idle.length < s.live && s.idleTimeoutMs > 0) next = Math.min(next, s.now + s.idleTimeoutMs);
  const byIdle = [...s.idle].sort((a, b) => a.idleSince - b.idleSince);
  for (const w of byIdle) {
    if (surplus <= 0) break;
    const at = Math.max(w.idleSince, s.idleFloor) + s.idleTimeoutMs;
    if (at <= s.now) {
      stop.push(w);
      surplus--;
    } else {
      next = Math.min(next, at);
    }
  }
  return { stop, next };
}
