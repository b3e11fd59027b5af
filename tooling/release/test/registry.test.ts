/**
 * Install it the way users do (#23). A real registry (verdaccio on 127.0.0.1) gets every public
 * package through the release path (`tooling/release/publish.ts`: `bun pm pack`, then `npm
 * publish`); then, in fresh projects outside the repository, with empty caches:
 * - `npm i @switchyard/worker-pool` and `bun add @switchyard/worker-pool` fetch flow-balancer from
 *   the registry (the published manifests name real versions, not `workspace:*`);
 * - each package's README example runs verbatim under Bun from both projects, flow-balancer's also
 *   under Node;
 * - `bunx @switchyard/mcp-server serve` serves the embedded default, and the installed bin without
 *   Bun on PATH says how to get it.
 * Third-party dependencies (zod, the MCP SDK, …) come from the public npm registry, as for a user.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { started, stopped, toolNames } from '../gateway-client.ts';
import { publicPackages, repoRoot } from '../packages.ts';
import { readmeExample } from '../readme-example.ts';
import { type Registry, startRegistry } from '../verdaccio.ts';

const PACKAGES = publicPackages();
const LIBRARIES = PACKAGES.filter((p) => p.dir.includes('/packages/'));
const LIBRARY_NAMES = LIBRARIES.map((p) => p.name);

let registry: Registry;
let work: string;
let env: Record<string, string>;

/** The environment of a user's shell: no npm_config_* of the test runner, caches of our own. */
function userEnv(): Record<string, string> {
  const e: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(npm_|NPM_|BUN_|VITEST|TURBO_|NODE_OPTIONS)/i.test(k)) continue;
    e[k] = v;
  }
  return {
    ...e,
    BUN_INSTALL_CACHE_DIR: join(work, 'bun-cache'),
    npm_config_cache: join(work, 'npm-cache'),
    NPM_CONFIG_USERCONFIG: registry.npmrc,
    NO_COLOR: '1',
  };
}

function run(
  cmd: string,
  args: string[],
  cwd: string,
  timeoutMs = 120_000,
  extraEnv: Record<string, string> = {},
) {
  const r = spawnSync(cmd, args, { cwd, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

function ok(r: ReturnType<typeof run>, what: string): string {
  if (r.status !== 0)
    throw new Error(`${what} exited ${r.status} ${r.error ?? ''}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function project(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }, null, 2));
  return dir;
}

/** Writes a package's README example (and the files it names) into `dir/<package>/`; the example's path. */
function writeExample(dir: string, pkgDir: string): string {
  const example = readmeExample(readFileSync(join(pkgDir, 'README.md'), 'utf8'));
  const at = join(dir, basename(pkgDir));
  mkdirSync(at, { recursive: true });
  for (const [file, text] of Object.entries(example.files)) writeFileSync(join(at, file), text);
  writeFileSync(join(at, 'example.ts'), example.main);
  return join(at, 'example.ts');
}

/** What each README example prints, as a check on its output. */
const EXPECTED: Record<string, (out: string) => void> = {
  'flow-balancer': (out) => {
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(new Set(lines).size).toBe(1);
    expect(lines[0]).toMatch(/^200 \{"worker":"w\d"\}$/);
  },
  'worker-pool': (out) => expect(out).toMatch(/width: 320/),
  journal: (out) => expect(out.trim()).toMatch(/^\S+ 0$/),
  'multi-tier': (out) =>
    expect(out.trim().split('\n')).toEqual([expect.stringContaining('Echo: hi'), 'true']),
  coordinator: (out) => expect(out).toContain('"text":"Echo: hi"'),
};

function runExamples(dir: string) {
  for (const p of LIBRARIES) {
    const file = writeExample(dir, p.dir);
    const out = ok(run('bun', [basename(file)], dirname(file), 90_000), `${p.name}'s README example`);
    EXPECTED[basename(p.dir)]!(out);
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'switchyard-registry-'));
  registry = await startRegistry();
  env = userEnv();
  // The release path, against the local registry (turbo built every package before this test).
  const published = run(
    'bun',
    [
      join(repoRoot, 'tooling/release/publish.ts'),
      '--registry',
      registry.url,
      '--ignore-scripts',
      '--no-provenance',
    ],
    repoRoot,
    180_000,
  );
  ok(published, `publish.ts (verdaccio said:\n${registry.log()})`);
}, 240_000);

afterAll(async () => {
  await registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a real registry', () => {
  it('holds every public package, its @switchyard dependencies at their real versions', async () => {
    expect(PACKAGES.map((p) => p.name).sort()).toEqual([...LIBRARY_NAMES, '@switchyard/mcp-server'].sort());
    for (const p of PACKAGES) {
      const res = await fetch(`${registry.url}${p.name.replace('/', '%2f')}`);
      expect(res.status, p.name).toBe(200);
      const doc = (await res.json()) as {
        versions: Record<string, { dependencies?: Record<string, string> }>;
      };
      const deps = doc.versions[p.version]?.dependencies ?? {};
      for (const dep of p.needs) {
        expect(deps[dep], `${p.name} → ${dep}`).toBe(PACKAGES.find((q) => q.name === dep)!.version);
      }
      expect(Object.values(deps).filter((spec) => spec.startsWith('workspace:'))).toEqual([]);
    }
  });

  it('npm i @switchyard/worker-pool fetches flow-balancer from it; every README example runs', () => {
    const dir = project('with-npm');
    ok(
      run('npm', ['i', '--no-audit', '--no-fund', '@switchyard/worker-pool'], dir),
      'npm i @switchyard/worker-pool',
    );
    const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string; resolved?: string }>;
    };
    const fb = lock.packages['node_modules/@switchyard/flow-balancer'];
    expect(fb?.resolved).toMatch(new RegExp(`^${registry.url}@switchyard/flow-balancer/-/`));
    ok(run('npm', ['i', '--no-audit', '--no-fund', ...LIBRARY_NAMES], dir), 'npm i (every package)');
    runExamples(dir);

    // flow-balancer promises Node ≥ 20: its example, compiled as a user's TypeScript would be, runs on Node.
    const file = join(dir, 'flow-balancer', 'example.mjs');
    const ts = readFileSync(join(dir, 'flow-balancer', 'example.ts'), 'utf8');
    writeFileSync(file, new Bun.Transpiler({ loader: 'ts' }).transformSync(ts));
    const out = ok(run('node', ['example.mjs'], dirname(file)), 'flow-balancer example under Node');
    EXPECTED['flow-balancer']!(out);
  });

  it('bun add @switchyard/worker-pool fetches flow-balancer from it; every README example runs', () => {
    const dir = project('with-bun');
    writeFileSync(join(dir, 'bunfig.toml'), `[install.scopes]\n"@switchyard" = "${registry.url}"\n`);
    ok(run('bun', ['add', '@switchyard/worker-pool'], dir), 'bun add @switchyard/worker-pool');
    const lock = readFileSync(join(dir, 'bun.lock'), 'utf8');
    expect(lock).toContain(`${registry.url}@switchyard/flow-balancer/-/flow-balancer-`);
    ok(run('bun', ['add', ...LIBRARY_NAMES], dir), 'bun add (every package)');
    runExamples(dir);
  });
});

describe('the gateway from the registry', () => {
  it('bunx @switchyard/mcp-server serve: the embedded default answers /healthz and lists its builtin tools', async () => {
    const dir = project('with-bunx');
    writeFileSync(join(dir, 'bunfig.toml'), `[install.scopes]\n"@switchyard" = "${registry.url}"\n`);
    const { child, url } = await started(
      'bunx',
      ['@switchyard/mcp-server', 'serve', '--port', '0'],
      dir,
      env,
    );
    try {
      const health = await fetch(new URL('/healthz', url));
      expect(health.status).toBe(200);
      const names = await toolNames(url);
      expect(names.length).toBeGreaterThan(0);
      expect(names.every((n) => n.startsWith('builtin__'))).toBe(true);
    } finally {
      expect(await stopped(child)).toBe(0);
    }
  });

  it('installed with npm: npx runs it through Bun; without Bun on PATH the bin says how to get Bun, exits 1', () => {
    const dir = project('with-node-only');
    ok(
      run('npm', ['i', '--no-audit', '--no-fund', '@switchyard/mcp-server'], dir),
      'npm i @switchyard/mcp-server',
    );
    const bin = join(dir, 'bin-without-bun');
    mkdirSync(bin);
    const node = spawnSync('sh', ['-c', 'command -v node'], { encoding: 'utf8' }).stdout.trim();
    symlinkSync(node, join(bin, 'node'));
    const r = run(join(dir, 'node_modules/.bin/switchyard'), ['serve'], dir, 30_000, { PATH: bin });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('switchyard runs on Bun');
    expect(r.stderr).toContain('npm i -g bun');

    // With Bun on PATH, npm's launcher starts the same CLI (the bin hands itself to Bun).
    const version = ok(
      run('npx', ['@switchyard/mcp-server', '--version'], dir),
      'npx @switchyard/mcp-server',
    );
    expect(version.trim()).toBe(PACKAGES.find((p) => p.name === '@switchyard/mcp-server')!.version);
  });
});
