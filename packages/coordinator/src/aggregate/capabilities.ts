/**
 * The capabilities the gateway offers in its `initialize` result: the union of its backends'.
 *
 * - `tools`, `prompts`, `resources`, `logging`, `completions`: offered if any backend offers them.
 * - `listChanged` (tools, prompts, resources) and `resources.subscribe`: true if any backend's is;
 *   otherwise left out (absent means false).
 * - `experimental`: the union of the backends' keys; where two offer the same key, the first in
 *   configuration order wins.
 * - backends' `tasks` (2025-11-25) are left out: the gateway does not forward `tasks/*` to a
 *   backend; the coordinator offers its own tasks instead (`coordinator/tasks/`), which run any tool
 *   call. Keys outside the spec are left out too: nothing says how to merge them.
 */
import type { JsonObject } from '../jsonrpc/types.ts';

/** Server capabilities (MCP 2025-03-26 … 2025-11-25), as far as the merge reads them. */
export interface ServerCapabilities {
  experimental?: { [key: string]: object };
  logging?: object;
  completions?: object;
  prompts?: { listChanged?: boolean };
  resources?: { subscribe?: boolean; listChanged?: boolean };
  tools?: { listChanged?: boolean };
  [key: string]: unknown;
}

type Flags<K extends string> = { [P in K]?: boolean };

function mergeFlags<K extends string>(
  parts: readonly (Flags<K> | undefined)[],
  flags: readonly K[],
): Flags<K> | undefined {
  const present = parts.filter((p): p is Flags<K> => p !== undefined && p !== null);
  if (present.length === 0) return undefined;
  const out: Flags<K> = {};
  for (const flag of flags) if (present.some((p) => p[flag] === true)) out[flag] = true;
  return out;
}

function presentIfAny(parts: readonly (object | undefined)[]): object | undefined {
  return parts.some((p) => p !== undefined && p !== null) ? {} : undefined;
}

/** Merges the capabilities of backends given in configuration order. */
export function mergeCapabilities(all: readonly ServerCapabilities[]): ServerCapabilities {
  const merged: ServerCapabilities = {};
  const set = (key: string, value: JsonObject | object | undefined) => {
    if (value !== undefined) merged[key] = value;
  };
  set('logging', presentIfAny(all.map((c) => c.logging)));
  set('completions', presentIfAny(all.map((c) => c.completions)));
  set(
    'prompts',
    mergeFlags(
      all.map((c) => c.prompts),
      ['listChanged'],
    ),
  );
  set(
    'resources',
    mergeFlags(
      all.map((c) => c.resources),
      ['subscribe', 'listChanged'],
    ),
  );
  set(
    'tools',
    mergeFlags(
      all.map((c) => c.tools),
      ['listChanged'],
    ),
  );
  const experimental: { [key: string]: object } = {};
  for (const c of all) {
    for (const [key, value] of Object.entries(c.experimental ?? {})) {
      if (!(key in experimental)) experimental[key] = value;
    }
  }
  if (Object.keys(experimental).length > 0) merged.experimental = experimental;
  return merged;
}
