/**
 * The prefetch cache: where `switchyard prefetch` installs the packages that `npx`/`bunx` entries
 * would fetch on every start, and its manifest (`prefetch.json`: launcher and spec → the installed
 * bin). `serve` and `stdio` read the manifest when they build a stdio backend: an entry found
 * there, whose bin still exists, runs that bin directly, without the launcher.
 *
 * The directory: `$SWITCHYARD_CACHE_DIR`, else `$XDG_CACHE_HOME/switchyard`, else
 * `~/.cache/switchyard`; the installs under `prefetch/`.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LauncherCall, launcherCall } from './launcher.ts';

export interface Prefetched {
  /** The installed bin, run directly. */
  command: string;
  /** The package and version installed. */
  installed: string;
  /** When (ISO 8601). */
  at: string;
}

export type Manifest = Record<string, Prefetched>;

export function prefetchDir(env: Record<string, string | undefined>): string {
  const base =
    env.SWITCHYARD_CACHE_DIR ??
    (env.XDG_CACHE_HOME
      ? join(env.XDG_CACHE_HOME, 'switchyard')
      : join(env.HOME ?? '.', '.cache', 'switchyard'));
  return join(base, 'prefetch');
}

export function manifestKey(call: LauncherCall): string {
  return `${call.launcher} ${call.spec}`;
}

export function readManifest(dir: string): Manifest {
  const file = join(dir, 'prefetch.json');
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  } catch {
    return {};
  }
}

/** Writes the manifest whole (a rename, so a reader never sees half of it). */
export function writeManifest(dir: string, manifest: Manifest): void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'prefetch.json');
  writeFileSync(`${file}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/**
 * The command a stdio entry runs: the prefetched bin and the server's own arguments when its
 * launcher call was prefetched (and the bin is still there) and the entry does not say
 * `install: "launcher"`, else undefined (run it as written).
 */
export function prefetchedCommand(
  command: string,
  args: readonly string[],
  env: Record<string, string | undefined>,
  install?: 'launcher' | 'prefetch',
): { command: string; args: string[] } | undefined {
  if (install === 'launcher') return undefined;
  const call = launcherCall(command, args);
  if (!call) return undefined;
  const found = readManifest(prefetchDir(env))[manifestKey(call)];
  if (!found || !existsSync(found.command)) return undefined;
  return { command: found.command, args: call.rest };
}
