/**
 * The rules of an `mcpServers` entry that span keys: exactly one of `command`, `url` and `module`;
 * a `type` that fits it; stdio-only and remote-only keys where they belong; `install` only on an
 * entry run by npx or bunx; `replicas.min ≤ max`.
 *
 * They run on the raw entry beside the zod schema rather than as a refinement of it, so they are
 * reported together with every other issue instead of only once the rest is right.
 */

import { launcherCall } from '../prefetch/launcher.ts';
import type { ConfigIssue } from './errors.ts';
import { joinPath } from './path.ts';

const KIND_KEYS = ['command', 'url', 'module'] as const;
const TYPES_OF: Record<(typeof KIND_KEYS)[number], readonly string[]> = {
  command: ['stdio'],
  url: ['http', 'streamable-http', 'sse'],
  module: ['module'],
};
const ONLY_WITH = {
  args: 'command',
  env: 'command',
  inheritEnv: 'command',
  cwd: 'command',
  install: 'command',
  headers: 'url',
  tokenExchange: 'url',
} as const;

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^[0-9]+$/.test(value)) return Number(value);
  return undefined;
}

export function entryRuleIssues(entry: unknown, path: string): ConfigIssue[] {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return []; // the schema says so
  const e = entry as Record<string, unknown>;
  const issues: ConfigIssue[] = [];
  const present = KIND_KEYS.filter((k) => e[k] !== undefined);

  if (present.length === 0) {
    issues.push(
      e.type === 'module'
        ? { path: joinPath(path, 'module'), expected: 'a path (type is "module")', found: 'nothing' }
        : {
            path,
            expected: 'command (a stdio server), url (a remote server) or module (an in-process tool module)',
            found: 'none of them',
          },
    );
  } else if (present.length > 1) {
    issues.push({ path, expected: 'only one of command, url and module', found: present.join(' and ') });
  } else {
    const kind = present[0]!;
    const types = TYPES_OF[kind];
    if (
      typeof e.type === 'string' &&
      !types.includes(e.type) &&
      Object.values(TYPES_OF).flat().includes(e.type)
    ) {
      issues.push({
        path: joinPath(path, 'type'),
        expected: `${types.map((t) => JSON.stringify(t)).join(', ')} (or no type) for an entry with ${kind}`,
        found: JSON.stringify(e.type),
      });
    }
    for (const [key, owner] of Object.entries(ONLY_WITH)) {
      if (e[key] !== undefined && owner !== kind) {
        issues.push({
          path: joinPath(path, key),
          expected: `no ${key} on an entry with ${kind} (${key} goes with ${owner})`,
          found: `${key} beside ${kind}`,
        });
      }
    }
    if (
      e.install !== undefined &&
      kind === 'command' &&
      typeof e.command === 'string' &&
      (e.args === undefined || (Array.isArray(e.args) && e.args.every((a) => typeof a === 'string'))) &&
      !launcherCall(e.command, (e.args as string[] | undefined) ?? [])
    ) {
      issues.push({
        path: joinPath(path, 'install'),
        expected:
          'an entry run by npx [-y] <package> or bunx <package> (install says how that package is run)',
        found: `install beside command ${JSON.stringify(e.command)}`,
      });
    }
    if (e.warmup !== undefined && kind === 'url') {
      issues.push({
        path: joinPath(path, 'warmup'),
        expected:
          'no warmup on a remote entry (warmup goes with command or module: workers the gateway starts)',
        found: 'warmup beside url',
      });
    }
    if (kind === 'url' && e.isolation === 'per-session') {
      issues.push({
        path: joinPath(path, 'isolation'),
        expected:
          '"shared" or "per-principal" on a remote entry (the remote server keeps its own sessions; per-principal gives each principal its own connection)',
        found: JSON.stringify(e.isolation),
      });
    }
  }

  const replicas = e.replicas;
  if (replicas !== null && typeof replicas === 'object' && !Array.isArray(replicas)) {
    const r = replicas as Record<string, unknown>;
    const min = asNumber(r.min) ?? 0;
    const max = asNumber(r.max) ?? 1;
    if (min > max) {
      issues.push({
        path: joinPath(path, 'replicas'),
        expected: 'min ≤ max',
        found: `min ${min} and max ${max}`,
      });
    }
  }
  return issues;
}
