/** Turns zod issues into sentences a person can act on, with the path of each problem spelled out. */
import type { z } from 'zod';

/** One validation problem: where (`arguments.items[2].id`, empty for the value itself) and what. */
export interface ReadableIssue {
  path: string;
  message: string;
}

function formatPath(path: readonly PropertyKey[], root: string): string {
  let out = root;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** The issues of a zod error, each with a dotted path below `root` (e.g. `params`). */
export function readableIssues(error: z.ZodError, root = ''): ReadableIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path, root), message: issue.message }));
}

/** `path: message; path: message` — for the message of an error. */
export function describeIssues(issues: readonly ReadableIssue[]): string {
  return issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; ');
}
