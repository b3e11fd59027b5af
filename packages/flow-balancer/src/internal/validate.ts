/**
 * Option checks shared by every piece. Each names the owner and the option, says what was
 * expected and what was found, so a bad config fails at construction, never later and silently.
 */

interface NumberRule {
  /** Smallest allowed value (inclusive unless `minExclusive`). */
  min?: number;
  minExclusive?: boolean;
  /** Largest allowed value (inclusive unless `maxExclusive`). */
  max?: number;
  maxExclusive?: boolean;
  integer?: boolean;
  /** Accept `Infinity` (for "unbounded" options). */
  infinity?: boolean;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  return typeof value;
}

function expected(rule: NumberRule): string {
  const parts: string[] = [rule.integer ? 'an integer' : 'a finite number'];
  if (rule.min !== undefined) parts.push(`${rule.minExclusive ? '>' : '≥'} ${rule.min}`);
  if (rule.max !== undefined) parts.push(`${rule.maxExclusive ? '<' : '≤'} ${rule.max}`);
  if (rule.infinity) parts.push('(or Infinity)');
  return parts.join(' ');
}

/** Throws a TypeError (not a number) or RangeError (out of range) naming `owner.name`. */
export function checkNumber(owner: string, name: string, value: unknown, rule: NumberRule): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${owner}: "${name}" must be ${expected(rule)}; found ${describe(value)}`);
  }
  const ok =
    (value === Number.POSITIVE_INFINITY
      ? rule.infinity === true
      : Number.isFinite(value) && (!rule.integer || Number.isInteger(value))) &&
    (rule.min === undefined || (rule.minExclusive ? value > rule.min : value >= rule.min)) &&
    (rule.max === undefined || (rule.maxExclusive ? value < rule.max : value <= rule.max));
  if (!ok) throw new RangeError(`${owner}: "${name}" must be ${expected(rule)}; found ${describe(value)}`);
  return value;
}

/** `checkNumber` for an optional option: `fallback` when undefined. */
export function optionalNumber(
  owner: string,
  name: string,
  value: unknown,
  fallback: number,
  rule: NumberRule,
): number {
  return value === undefined ? fallback : checkNumber(owner, name, value, rule);
}

export function checkOneOf<T extends string>(
  owner: string,
  name: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new TypeError(
      `${owner}: "${name}" must be one of ${allowed.map((a) => `"${a}"`).join(', ')}; found ${describe(value)}`,
    );
  }
  return value as T;
}

export function checkFunction(owner: string, name: string, value: unknown): void {
  if (typeof value !== 'function') {
    throw new TypeError(`${owner}: "${name}" must be a function; found ${describe(value)}`);
  }
}

export function checkObject(owner: string, name: string, value: unknown): void {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`${owner}: "${name}" must be an object; found ${describe(value)}`);
  }
}
