/**
 * A real npm registry for tests: `verdaccio` on 127.0.0.1 at a free port, its storage and config
 * in a temp dir, no uplinks (it serves only what is published to it; nothing leaves loopback).
 * Publishing `@switchyard/*` and `@switchyard-fixtures/*` is open to anyone (the test's token is a
 * placeholder).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../testing/ports.ts';

export interface Registry {
  url: string;
  /** An npmrc that publishes to and installs `@switchyard/*` (and the fixtures' scope) from this registry. */
  npmrc: string;
  /** Verdaccio's output so far (for a failure message). */
  log(): string;
  stop(): Promise<void>;
}

const CONFIG = `storage: ./storage
auth:
  htpasswd:
    file: ./htpasswd
    max_users: -1
uplinks: {}
packages:
  '@switchyard/*':
    access: $all
    publish: $anonymous $authenticated
  '@switchyard-fixtures/*':
    access: $all
    publish: $anonymous $authenticated
  '**':
    access: $all
server:
  keepAliveTimeout: 5
log: { type: stdout, format: pretty, level: warn }
`;

const verdaccioBin = join(
  dirname(createRequire(import.meta.url).resolve('verdaccio/package.json')),
  'bin',
  'verdaccio',
);

export async function startRegistry(deadlineMs = 30_000): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-verdaccio-'));
  writeFileSync(join(dir, 'config.yaml'), CONFIG);
  const port = freePort();
  const url = `http://127.0.0.1:${port}/`;
  let output = '';
  const child: ChildProcess = spawn(
    'node',
    [verdaccioBin, '--config', './config.yaml', '--listen', `127.0.0.1:${port}`],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (b) => (output += String(b)));
  child.stderr?.on('data', (b) => (output += String(b)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`verdaccio exited ${child.exitCode} before it answered:\n${output}`);
    }
    const ok = await fetch(`${url}-/ping`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > end) {
      await stop();
      throw new Error(`verdaccio did not answer on ${url} within ${deadlineMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const npmrc = join(dir, 'npmrc');
  const host = url.replace(/^http:/, '');
  writeFileSync(
    npmrc,
    `@switchyard:registry=${url}\n@switchyard-fixtures:registry=${url}\n${host}:_authToken=placeholder\n`,
  );
  return { url, npmrc, log: () => output, stop };
}
