/** The `initialLimit` / `minLimit` / `maxLimit` triple the adaptive limiters share. */
import { optionalNumber } from '../internal/validate.ts';

export interface LimitRangeOptions {
  /** The limit to start from. Default 20 (clamped into [minLimit, maxLimit]). */
  initialLimit?: number;
  /** The limit never goes below this. Default 1. */
  minLimit?: number;
  /** The limit never goes above this. Default 1000. */
  maxLimit?: number;
}

export interface LimitRange {
  initial: number;
  min: number;
  max: number;
}

export function checkLimitRange(owner: string, o: LimitRangeOptions): LimitRange {
  const min = optionalNumber(owner, 'minLimit', o.minLimit, 1, { integer: true, min: 1 });
  const max = optionalNumber(owner, 'maxLimit', o.maxLimit, Math.max(1000, min), { integer: true, min: 1 });
  if (max < min) throw new RangeError(`${owner}: "maxLimit" (${max}) must be ≥ "minLimit" (${min})`);
  const initial =
    o.initialLimit === undefined
      ? Math.min(max, Math.max(min, 20))
      : optionalNumber(owner, 'initialLimit', o.initialLimit, 20, { integer: true, min, max });
  return { initial, min, max };
}
