/**
 * Run before the root `start` and `switchyard` scripts: builds the packages the gateway imports
 * (`packages/*` → `dist/`) only when a package has no build or a source is newer than its build,
 * and quietly — nothing on stdout (the gateway's first stdout line is its URL; in `stdio` mode
 * stdout carries only MCP), one line on stderr, turbo's output only if the build fails.
 * Exits with turbo's code when the build fails.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dir, '..', '..');
/**
 * When turbo replays a cached build whose outputs are already in place it leaves `dist/` as it
 * was, older than a source that was only touched; a stamp per package says it was built since.
 */
const stamps = join(root, 'node_modules', '.cache', 'switchyard-build');

/** The newest modification time of the files under `path` (a file or a folder), 0 if none. */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

/** Packages whose build is missing or older than a source, tsconfig or package.json. */
function stalePackages(): string[] {
  const stale: string[] = [];
  const packagesDir = join(root, 'packages');
  for (const name of readdirSync(packagesDir).sort()) {
    const dir = join(packagesDir, name);
    if (!existsSync(join(dir, 'package.json'))) continue;
    const built =
      newest(join(dir, 'dist')) && Math.max(newest(join(dir, 'dist')), newest(join(stamps, name)));
    const inputs = Math.max(
      newest(join(dir, 'src')),
      newest(join(dir, 'package.json')),
      ...readdirSync(dir)
        .filter((f) => /^tsconfig.*\.json$/.test(f))
        .map((f) => newest(join(dir, f))),
    );
    if (built === 0 || inputs > built) stale.push(name);
  }
  return stale;
}

const stale = stalePackages();
if (stale.length > 0) {
  const started = performance.now();
  // Stamped with the start, so a source saved during the build makes the next start build again.
  const startedAt = new Date();
  process.stderr.write(`switchyard: building ${stale.map((n) => `packages/${n}`).join(', ')} …\n`);
  const build = Bun.spawnSync(
    [
      join(root, 'node_modules', '.bin', 'turbo'),
      'run',
      'build',
      '--filter=@switchyard/mcp-server^...',
      '--output-logs=errors-only',
    ],
    { cwd: root, stdout: 'pipe', stderr: 'pipe', env: { ...process.env, TURBO_NO_UPDATE_NOTIFIER: '1' } },
  );
  if (build.exitCode !== 0) {
    process.stderr.write(build.stdout);
    process.stderr.write(build.stderr);
    process.stderr.write(`switchyard: the build failed (exit ${build.exitCode})\n`);
    process.exit(build.exitCode ?? 1);
  }
  mkdirSync(stamps, { recursive: true });
  for (const name of stale) {
    const stamp = join(stamps, name);
    closeSync(openSync(stamp, 'a'));
    utimesSync(stamp, startedAt, startedAt);
  }
  process.stderr.write(`switchyard: built in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
