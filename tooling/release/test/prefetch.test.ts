/**
 * Backends installed once (#23): an `npx -y <pkg>` entry, its package published to a real registry
 * (verdaccio). Without prefetch the gateway starts npx, which resolves the package and starts the
 * server as its own child; after `switchyard prefetch` the gateway starts the installed bin
 * directly — the server is the gateway's own child, its arguments passed as written.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpSession, started, stopped } from '../gateway-client.ts';
import { repoRoot } from '../packages.ts';
import { type Registry, startRegistry } from '../verdaccio.ts';

const CLI = join(repoRoot, 'apps/mcp-server/src/cli.ts');
let registry: Registry;
let work: string;
let env: Record<string, string>;

function ppidOf(pid: number): number {
  // /proc/<pid>/stat: pid (comm) state ppid …; comm may hold spaces, so read after the last ')'.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'switchyard-prefetch-'));
  registry = await startRegistry();
  env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? work,
    SWITCHYARD_CACHE_DIR: join(work, 'cache'),
    npm_config_cache: join(work, 'npm-cache'),
  };
  // A stdio MCP server package with a bin, as on npm: the fixture server bundled for Node.
  const pkg = join(work, 'echo-mcp');
  mkdirSync(pkg);
  const built = spawnSync(
    'bun',
    [
      'build',
      join(repoRoot, 'tooling/fixtures/mcp/stdio-server.ts'),
      '--target',
      'node',
      '--outfile',
      join(pkg, 'server.js'),
    ],
    { encoding: 'utf8' },
  );
  expect(built.status, built.stderr).toBe(0);
  const code = readFileSync(join(pkg, 'server.js'), 'utf8').replace(/^#!.*\n/, '');
  writeFileSync(join(pkg, 'server.js'), `#!/usr/bin/env node\n${code}`);
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({
      name: '@switchyard-fixtures/echo-mcp',
      version: '1.0.0',
      bin: { 'echo-mcp': 'server.js' },
    }),
  );
  const published = spawnSync('npm', ['publish', '--loglevel=error'], {
    cwd: pkg,
    env: { ...env, NPM_CONFIG_USERCONFIG: registry.npmrc },
    encoding: 'utf8',
  });
  expect(published.status, published.stderr).toBe(0);
  writeFileSync(join(work, 'switchyard.json'), JSON.stringify({ mcpServers: { echo: entry('prefetched') } }));
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Seen {
  /** The name the server was started with (its own `--name` argument). */
  name: string;
  /** The parent of the backend's process. */
  ppid: number;
  /** The gateway's pid. */
  gateway: number;
  /** What the dashboard says the backend runs. */
  runs: string | null;
}

/** The dashboard's first snapshot (loopback, no tokens: the caller is an admin): each backend's `runs`. */
async function dashboardRuns(url: string): Promise<Record<string, string | null>> {
  const res = await fetch(new URL('/dashboard/events', url), { signal: AbortSignal.timeout(20_000) });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!/^data: .*\n/m.test(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  const data = /^data: (.*)$/m.exec(text)![1]!;
  const snapshot = JSON.parse(data) as { backends: { name: string; runs?: string | null }[] };
  return Object.fromEntries(snapshot.backends.map((b) => [b.name, b.runs ?? null]));
}

/** Serves `config` and asks each backend who it is (while it runs: its parent is read from /proc). */
async function whoami(config = 'switchyard.json', backends = ['echo'], withEnv = env): Promise<Seen[]> {
  const { child, url } = await started(
    'bun',
    [CLI, 'serve', '--port', '0', '--config', config],
    work,
    withEnv,
  );
  try {
    const session = await mcpSession(url);
    const runs = await dashboardRuns(url);
    const seen: Seen[] = [];
    for (const backend of backends) {
      const r = await session.request('tools/call', { name: `${backend}__whoami`, arguments: {} });
      if (r.error) throw new Error(r.error.message);
      const me = JSON.parse((r.result as { content: { text: string }[] }).content[0]!.text) as {
        pid: number;
        name: string;
      };
      seen.push({ name: me.name, ppid: ppidOf(me.pid), gateway: child.pid!, runs: runs[backend] ?? null });
    }
    return seen;
  } finally {
    expect(await stopped(child)).toBe(0);
  }
}

function entry(name: string, install?: 'prefetch' | 'launcher') {
  return {
    command: 'npx',
    args: ['-y', '@switchyard-fixtures/echo-mcp', '--name', name],
    env: { NPM_CONFIG_USERCONFIG: registry.npmrc, npm_config_cache: join(work, 'npm-cache') },
    tier: 'hot',
    ...(install && { install }),
  };
}

describe('switchyard prefetch', () => {
  it('installs an npx entry once; serve then runs its bin as its own child, not through npx', async () => {
    const [before] = await whoami();
    expect(before!.name).toBe('prefetched');
    expect(before!.ppid).not.toBe(before!.gateway); // npx (and its shell) stand between
    expect(before!.runs).toBe('npx');

    const r = spawnSync('bun', [CLI, 'prefetch', '--config', 'switchyard.json'], {
      cwd: work,
      env,
      encoding: 'utf8',
      timeout: 180_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^echo: npx @switchyard-fixtures\/echo-mcp → \S+\/node_modules\/\.bin\/echo-mcp \(@switchyard-fixtures\/echo-mcp@1\.0\.0\)$/m,
    );

    const [after] = await whoami();
    expect(after!.name).toBe('prefetched');
    expect(after!.ppid).toBe(after!.gateway);
    expect(after!.runs).toMatch(/\/cache\/prefetch\/.+\/node_modules\/\.bin\/echo-mcp$/); // the dashboard says so
  });

  it('install: "prefetch" installs at the first start; install: "launcher" keeps npx though the package is cached', async () => {
    // A cache of its own, empty: nothing was prefetched for this config.
    const fresh = { ...env, SWITCHYARD_CACHE_DIR: join(work, 'cache-per-entry') };
    writeFileSync(
      join(work, 'per-entry.json'),
      JSON.stringify({
        mcpServers: { direct: entry('direct', 'prefetch'), launched: entry('launched', 'launcher') },
      }),
    );
    const [direct, launched] = await whoami('per-entry.json', ['direct', 'launched'], fresh);
    expect(direct).toMatchObject({ name: 'direct' });
    expect(direct!.ppid).toBe(direct!.gateway);
    expect(direct!.runs).toMatch(/\/node_modules\/\.bin\/echo-mcp$/);
    expect(launched).toMatchObject({ name: 'launched' });
    expect(launched!.ppid).not.toBe(launched!.gateway);
    expect(launched!.runs).toBe('npx');
  });

  it('install on an entry that no launcher runs is a config error naming the key', () => {
    writeFileSync(
      join(work, 'bad.json'),
      JSON.stringify({
        mcpServers: { local: { command: 'node', args: ['server.js'], install: 'prefetch' } },
      }),
    );
    const r = spawnSync('bun', [CLI, 'check-config', 'bad.json'], { cwd: work, env, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('mcpServers.local.install');
  });
});
