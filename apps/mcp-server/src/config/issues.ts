/**
 * zod issues as `ConfigIssue`s: the key's path, what was expected (the schema's own words where it
 * has them, else words made here from the issue) and what was found (read from the input itself).
 */
import type { z } from 'zod';
import type { ConfigIssue } from './errors.ts';
import { formatPath, joinPath, valueAt } from './path.ts';

type RawIssue = z.core.$ZodRawIssue;

const ARTICLE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  record: 'an object',
};

function listOf(values: readonly unknown[]): string {
  const words = values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return words.length === 1 ? (words[0] ?? '') : `one of ${words.join(', ')}`;
}

const KNOWN_KEYS = 'one of the known keys ';

/** The keys an "unrecognized keys" issue's words list (see `expectedWords`). */
function knownKeysIn(message: string): string[] {
  if (!message.startsWith(KNOWN_KEYS)) return [];
  return message.slice(KNOWN_KEYS.length + 1, -1).split(', ');
}

/** Edit distance with adjacent transpositions counted as one edit ("teir" → "tier": 1). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The known key nearest to `key`, if near enough to be a slip (case aside, at most 2 edits and
 * at most a third of the key): `lisen` → `listen`, `teir` → `tier`, `foo` → none.
 */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (best === undefined || distance < best.distance) best = { key: candidate, distance };
  }
  if (best === undefined) return undefined;
  const allowed = Math.min(2, Math.max(1, Math.floor(Math.max(key.length, best.key.length) / 3)));
  return best.distance <= allowed ? best.key : undefined;
}

/**
 * The per-parse error map: the "expected" half of an issue, for issues whose schema has no words
 * of its own. Pass as `schema.safeParse(input, { error: expectedWords })`.
 */
export function expectedWords(issue: RawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return ARTICLE[issue.expected] ?? issue.expected;
    case 'invalid_value':
      return listOf(issue.values);
    case 'too_small':
      if (issue.origin === 'string') return `a string of at least ${issue.minimum} character(s)`;
      if (issue.origin === 'array') return `at least ${issue.minimum} item(s)`;
      return `a number ≥ ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `a string of at most ${issue.maximum} characters`;
      if (issue.origin === 'array') return `at most ${issue.maximum} items`;
      return `a number ≤ ${issue.maximum}`;
    case 'invalid_format':
      return issue.format === 'regex' && 'pattern' in issue
        ? `a string matching ${issue.pattern}`
        : `a ${issue.format}`;
    case 'unrecognized_keys': {
      const shape = (issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod
        ?.def?.shape;
      return shape ? `${KNOWN_KEYS}(${Object.keys(shape).join(', ')})` : 'no other keys';
    }
    default:
      return 'a valid value';
  }
}

/** A value in words, short: `"hott"`, `42`, `an object`, `nothing`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…"` : text;
}

/** Keys whose values are secrets (a Redis URL may hold a password): an issue names their path and length, never their value. */
const SECRET_PATH = /^switchyard\.(auth\.tokens\.\d+\.token|journal\.redis\.url)$/;

export function isSecretPath(path: string): boolean {
  return SECRET_PATH.test(path);
}

/** A secret in words without the secret: `a string of 5 character(s)`, `a number`. */
export function describeSecret(value: unknown): string {
  if (typeof value === 'string') return `a string of ${value.length} character(s)`;
  if (value === undefined || value === null) return describeValue(value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** zod's issues for `input` as config issues, one per unknown key, paths under `base`. */
export function toConfigIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  base: readonly PropertyKey[] = [],
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const segments = [...base, ...issue.path];
    const path = formatPath(segments);
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysIn(issue.message);
      for (const key of issue.keys) {
        const near = nearestKey(key, known);
        out.push({
          path: joinPath(path, key),
          expected: issue.message,
          found: `an unknown key ${JSON.stringify(key)}${near === undefined ? '' : ` (did you mean "${near}"?)`}`,
        });
      }
    } else if (issue.code === 'invalid_key') {
      const key = issue.path[issue.path.length - 1];
      out.push({ path, expected: issue.message, found: JSON.stringify(String(key)) });
    } else {
      const value = valueAt(input, issue.path);
      out.push({
        path,
        expected: issue.message,
        found: isSecretPath(path) ? describeSecret(value) : describeValue(value),
      });
    }
  }
  return out;
}
