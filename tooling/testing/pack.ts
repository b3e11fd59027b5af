/**
 * Proves a workspace package installs from its npm tarball: pack it (and the @switchyard packages
 * it depends on), install the tarballs into a fresh project outside the repo, and run a script
 * there that imports it by name. Used by each package's `test/pack.test.ts`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '..', '..');

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
}

function manifestOf(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** The package's directory and those of every @switchyard package it needs, deepest first. */
function closure(pkgDir: string, seen = new Map<string, string>()): Map<string, string> {
  const m = manifestOf(pkgDir);
  for (const dep of Object.keys(m.dependencies ?? {})) {
    if (!dep.startsWith('@switchyard/') || seen.has(dep)) continue;
    closure(join(repoRoot, 'packages', dep.slice('@switchyard/'.length)), seen);
  }
  seen.set(m.name, pkgDir);
  return seen;
}

export interface PackResult {
  stdout: string;
  /** Files the tarball of the package under test holds. */
  files: string[];
  /** The text of the LICENSE in that tarball (undefined when it holds none). */
  license: string | undefined;
}

/** The repository's LICENSE: each package's copy must say exactly this. */
export const rootLicense = readFileSync(join(repoRoot, 'LICENSE'), 'utf8');

/**
 * @param pkgDir the package directory (already built: `dist/` present)
 * @param script an ES module run in the fresh project, e.g. `import { x } from '@switchyard/flow-balancer'; …`
 * @param runtime `node` for packages that promise to run on Node, `bun` otherwise
 */
export function packInstallAndRun(pkgDir: string, script: string, runtime: 'node' | 'bun'): PackResult {
  const work = mkdtempSync(join(tmpdir(), 'switchyard-pack-'));
  try {
    const tarballs: string[] = [];
    let files: string[] = [];
    let license: string | undefined;
    const self = manifestOf(pkgDir).name;
    for (const [name, dir] of closure(pkgDir)) {
      // --ignore-scripts: `prepack` rebuilds dist/, and pack tests of several packages run at once
      // and pack the same dependencies; rebuilding a dist/ another test is tarring could ship a
      // half-written file. The caller guarantees dist/ is built (turbo's test task depends on build).
      const out = execFileSync('bun', ['pm', 'pack', '--destination', work, '--quiet', '--ignore-scripts'], {
        cwd: dir,
        encoding: 'utf8',
      }).trim();
      const tarball = out.split('\n').at(-1)!.trim();
      const path = tarball.startsWith('/') ? tarball : join(work, tarball);
      tarballs.push(path);
      if (name === self) {
        files = execFileSync('tar', ['-tzf', path], { encoding: 'utf8' }).trim().split('\n');
        if (files.includes('package/LICENSE')) {
          license = execFileSync('tar', ['-xzOf', path, 'package/LICENSE'], { encoding: 'utf8' });
        }
      }
    }
    const project = join(work, 'project');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'pack-smoke', private: true, type: 'module' }, null, 2),
    );
    // npm resolves each tarball's @switchyard/* dependency to the tarball installed beside it.
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], {
      cwd: project,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    writeFileSync(join(project, 'smoke.mjs'), script);
    const stdout = execFileSync(runtime, ['smoke.mjs'], { cwd: project, encoding: 'utf8' });
    return { stdout, files, license };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * What is wrong with a package's tarball, as readable lines (empty when it is publishable): the
 * entry point, its types, the README and the LICENSE must be there; tests and sources must not.
 */
export function tarballProblems(files: string[], required: string[] = []): string[] {
  const problems: string[] = [];
  for (const f of [
    'package/dist/index.js',
    'package/dist/index.d.ts',
    'package/README.md',
    'package/LICENSE',
    ...required,
  ]) {
    if (!files.includes(f)) problems.push(`missing ${f}`);
  }
  for (const f of files) {
    if (f.includes('.test.') || f.startsWith('package/src/') || f.startsWith('package/test/')) {
      problems.push(`should not ship ${f}`);
    }
  }
  return problems;
}
