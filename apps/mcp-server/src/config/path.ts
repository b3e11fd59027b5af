/**
 * Paths of keys as people read them: `mcpServers.github.args.0`. A key that is not a plain word
 * is quoted: `mcpServers["my server"]`.
 */

const PLAIN = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

export function joinPath(base: string, key: PropertyKey): string {
  if (typeof key === 'number') return base === '' ? String(key) : `${base}.${key}`;
  const k = String(key);
  if (!PLAIN.test(k)) return `${base}[${JSON.stringify(k)}]`;
  return base === '' ? k : `${base}.${k}`;
}

export function formatPath(segments: readonly PropertyKey[]): string {
  return segments.reduce<string>((acc, key) => joinPath(acc, key), '');
}

/** The value at `segments` inside `root`, or undefined. */
export function valueAt(root: unknown, segments: readonly PropertyKey[]): unknown {
  let here: unknown = root;
  for (const key of segments) {
    if (here === null || typeof here !== 'object') return undefined;
    if (!Object.hasOwn(here, key)) return undefined;
    here = (here as Record<PropertyKey, unknown>)[key];
  }
  return here;
}
