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
