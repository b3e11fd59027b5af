/**
 * Which package a launcher command line runs: `npx [-y|--yes] <spec> [args…]` or
 * `bunx [-y|--yes|--bun] <spec> [args…]`. Any other option before the spec (`--package`, `-c`, …)
 * is not understood here, and such an entry is left to its launcher. Pure: no I/O.
 */
import { basename } from 'node:path';

export interface LauncherCall {
  launcher: 'npx' | 'bunx';
  /** What the launcher installs: a name, `name@version` or `name@range`. */
  spec: string;
  /** The package name in `spec`. */
  name: string;
  /** The arguments after the spec: the server's own. */
  rest: string[];
}

const SKIPPED = new Set(['-y', '--yes', '--bun']);

/** The package name of a spec: `@scope/pkg@1.2.3` → `@scope/pkg`, `pkg@latest` → `pkg`. */
export function specName(spec: string): string {
  const at = spec.indexOf('@', spec.startsWith('@') ? 1 : 0);
  return at < 0 ? spec : spec.slice(0, at);
}

export function launcherCall(command: string, args: readonly string[]): LauncherCall | undefined {
  const tool = basename(command);
  if (tool !== 'npx' && tool !== 'bunx') return undefined;
  let i = 0;
  while (i < args.length && SKIPPED.has(args[i]!)) i++;
  const spec = args[i];
  if (spec === undefined || spec.startsWith('-')) return undefined;
  // A path or URL spec (./dir, git+https://…) is not a registry package: left to the launcher.
  if (/^[./~]|:/.test(spec)) return undefined;
  return { launcher: tool, spec, name: specName(spec), rest: args.slice(i + 1) };
}
