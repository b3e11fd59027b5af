/**
 * Installs the package of a launcher call into its own folder of the prefetch cache — with npm for
 * `npx` entries, with Bun for `bunx` entries, as their launcher would — and finds the bin the
 * launcher would run: the package's only bin, or the one named as the package (without its scope).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { manifestKey, type Prefetched, readManifest, writeManifest } from './cache.ts';
import type { LauncherCall } from './launcher.ts';

const run = promisify(execFile);

export class PrefetchError extends Error {
  override name = 'PrefetchError';
}

interface PackageManifest {
  version: string;
  bin?: string | Record<string, string>;
}

function binOf(manifest: PackageManifest, name: string): string {
  const unscoped = name.replace(/^@[^/]+\//, '');
  if (typeof manifest.bin === 'string') return unscoped;
  const bins = Object.keys(manifest.bin ?? {});
  if (bins.length === 1) return bins[0]!;
  if (bins.includes(unscoped)) return unscoped;
  throw new PrefetchError(
    bins.length === 0
      ? `${name} has no bin to run`
      : `${name} has several bins (${bins.join(', ')}) and none is named ${unscoped}`,
  );
}

export async function installCall(
  call: LauncherCall,
  cache: string,
  env: Record<string, string | undefined>,
  signal?: AbortSignal,
): Promise<Prefetched> {
  const folder = join(cache, `${call.launcher}-${call.spec.replace(/[^\w.@-]+/g, '+')}`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'package.json'), `${JSON.stringify({ private: true, name: 'prefetch' })}\n`);
  const [cmd, args] =
    call.launcher === 'npx'
      ? ['npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', call.spec]]
      : ['bun', ['add', call.spec]];
  try {
    await run(cmd, args, { cwd: folder, env, signal, timeout: 300_000, maxBuffer: 16 << 20 });
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim().split('\n').slice(-3).join(' ') ?? '';
    throw new PrefetchError(`${cmd} ${args.join(' ')} failed: ${detail || (error as Error).message}`);
  }
  const pkg = JSON.parse(
    readFileSync(join(folder, 'node_modules', call.name, 'package.json'), 'utf8'),
  ) as PackageManifest;
  const bin = join(folder, 'node_modules', '.bin', binOf(pkg, call.name));
  if (!existsSync(bin)) throw new PrefetchError(`${call.spec} installed, but ${bin} is not there`);
  return { command: bin, installed: `${call.name}@${pkg.version}`, at: new Date().toISOString() };
}

/** Installs `call` (see `installCall`) and records it in the cache's manifest, so starts run its bin. */
export async function prefetchCall(
  call: LauncherCall,
  cache: string,
  env: Record<string, string | undefined>,
  signal?: AbortSignal,
): Promise<Prefetched> {
  const done = await installCall(call, cache, env, signal);
  const manifest = readManifest(cache);
  manifest[manifestKey(call)] = done;
  writeManifest(cache, manifest);
  return done;
}
