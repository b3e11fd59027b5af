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
  outstanding: number;
  idleSince: number;
}

/** The workers to stop for idleness, longest idle first, keeping `keep` of the `live` ones. */
export function idleToStop<T extends IdleCandidate>(
  ready: readonly T[],
  live: number,
  keep: number,
  now: number,
  idleTimeoutMs: number,
): T[] {
  const spare = live - keep;
  if (spare <= 0) return [];
  return ready
    .filter((w) => w.outstanding === 0 && now - w.idleSince >= idleTimeoutMs)
    .sort((a, b) => a.idleSince - b.idleSince)
    .slice(0, spare);
}
