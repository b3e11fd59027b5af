/**
 * Name globs for tool filters: `*` matches any run of characters (also none), `?` exactly one;
 * every other character stands for itself. A glob without either is an exact name.
 */

const SPECIAL = /[\\^$.*+?()[\]{}|/]/;

/** The anchored regular expression for `glob`. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const ch of glob) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += SPECIAL.test(ch) ? `\\${ch}` : ch;
  }
  return new RegExp(`^${source}$`, 'su');
}

/** Whether `glob` has a wildcard at all. */
export function isGlob(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/** Names and globs: exact names in a set, globs as anchored expressions. */
export class PatternSet {
  private readonly exact = new Set<string>();
  private readonly globs: RegExp[] = [];

  constructor(patterns: readonly string[]) {
    for (const p of patterns) {
      if (isGlob(p)) this.globs.push(globToRegExp(p));
      else this.exact.add(p);
    }
  }

  matches(value: string): boolean {
    return this.exact.has(value) || this.globs.some((re) => re.test(value));
  }

  /** Whether any of `values` matches (none given: false). */
  matchesAny(values: readonly string[] | undefined): boolean {
    return values?.some((v) => this.matches(v)) ?? false;
  }
}
