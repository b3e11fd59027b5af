import type { Naming } from '../naming/naming.ts';

/**
 * What one backend answered to a fan-out: its value, or why there is none. A merged answer never
 * fails because one backend did; the failures travel in `_meta` under `switchyard/unavailable`.
 */

export type BackendOutcome<T> =
  | { backend: string; ok: true; value: T }
  | { backend: string; ok: false; reason: string };

/** A backend left out of a merged answer, and why (as a person would read it). */
export interface Unavailable {
  backend: string;
  reason: string;
}

/** The `_meta` key of merged results that lists the backends left out. */
export const UNAVAILABLE_META_KEY = 'switchyard/unavailable';

/** Outcomes in configuration order, split into the values and the failures. */
export function splitOutcomes<T>(
  naming: Naming,
  outcomes: readonly BackendOutcome<T>[],
): { answered: { backend: string; value: T }[]; unavailable: Unavailable[] } {
  const answered: { backend: string; value: T }[] = [];
  const unavailable: Unavailable[] = [];
  for (const o of naming.inConfigOrder(outcomes)) {
    if (o.ok) answered.push({ backend: o.backend, value: o.value });
    else unavailable.push({ backend: o.backend, reason: o.reason });
  }
  return { answered, unavailable };
}

/** `_meta` for a merged result: `undefined` when every backend answered. */
export function unavailableMeta(
  unavailable: readonly Unavailable[],
): { [UNAVAILABLE_META_KEY]: Unavailable[] } | undefined {
  return unavailable.length === 0 ? undefined : { [UNAVAILABLE_META_KEY]: [...unavailable] };
}
