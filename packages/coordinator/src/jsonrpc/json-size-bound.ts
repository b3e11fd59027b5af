/**
 * A cheap upper bound of a parsed JSON value's compact `JSON.stringify` size in UTF-8 bytes, to
 * tell without serializing that a message's params are surely within a size limit. Each string
 * counts 6 bytes per UTF-16 unit (`\u00XX`, the longest escape; a non-ASCII unit is at most 3) and
 * its quotes, each number 25 (the longest a double prints as), `true` / `false` / `null` 5,
 * separators and brackets 1 each.
 *
 * The walk stops as soon as the bound passes `limit` (then the caller measures exactly), and gives
 * up — `Infinity`, the caller measures — on anything that is not plain JSON data (a class
 * instance, which may have `toJSON`; a bigint) or nested deeper than `MAX_DEPTH`.
 */

const MAX_DEPTH = 32;
const NUMBER_BYTES = 25;

/** An upper bound of `value`'s compact JSON size in UTF-8 bytes, or Infinity once over `limit`. */
export function jsonBytesAtMost(value: unknown, limit: number): number {
  const n = walk(value, limit, 0);
  return n > limit ? Number.POSITIVE_INFINITY : n;
}

function walk(value: unknown, budget: number, depth: number): number {
  switch (typeof value) {
    case 'string':
      return 2 + 6 * value.length;
    case 'number':
      return NUMBER_BYTES;
    case 'boolean':
      return 5;
    case 'undefined':
      return 0;
    case 'object':
      break;
    default:
      return Number.POSITIVE_INFINITY;
  }
  if (value === null) return 4;
  if (depth >= MAX_DEPTH) return Number.POSITIVE_INFINITY;
  let total = 2;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && total <= budget; i++) {
      total += 1 + walk(value[i], budget - total, depth + 1);
    }
    return total;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return Number.POSITIVE_INFINITY;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    total +=
      2 + 6 * key.length + 2 + walk((value as Record<string, unknown>)[key], budget - total, depth + 1);
    if (total > budget) return total;
  }
  return total;
}
