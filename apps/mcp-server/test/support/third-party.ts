/**
 * Test support for end-to-end runs against real third-party MCP servers and clients:
 * - where each server's and client's bin JS file is (resolved from this app, as npm would run it);
 * - an mcpServers config with server-everything, server-memory, server-filesystem (each run under
 *   Bun) and the builtin module backend;
 * - a gateway shared by the tests of one file (`startShared`: started in `beforeAll`, stopped by
 *   the `stop` it returns in `afterAll`; clients made with `connectClient` still close after each
 *   test);
 * - a bounded child-process runner (for the MCP Inspector CLI under Node).
 */
import { readFileSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Gateway } from '../../src/gateway/gateway.ts';
import { BUILTIN, serveGateway } from './gateway.ts';

const APP_DIR = new URL('../..', import.meta.url).pathname;

/** The absolute path of `pkg`'s bin JS file (`bin` named `name`, or its only / first one). */
export function binOf(pkg: string, name?: string): string {
  const manifest = Bun.resolveSync(`${pkg}/package.json`, APP_DIR);
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: string | Record<string, string> };
  const file = typeof bin === 'string' ? bin : (bin?.[name ?? Object.keys(bin ?? {})[0] ?? ''] ?? undefined);
  if (file === undefined) throw new Error(`${pkg} has no bin ${name ?? ''}`);
  return join(dirname(manifest), file);
}

export const EVERYTHING = binOf('@modelcontextprotocol/server-everything');
export const MEMORY = binOf('@modelcontextprotocol/server-memory');
export const FILESYSTEM = binOf('@modelcontextprotocol/server-filesystem');
/** The Inspector's launcher (`mcp-inspector`): `--cli` runs its CLI client. */
export const INSPECTOR = binOf('@modelcontextprotocol/inspector', 'mcp-inspector');

export interface ThirdPartyDirs {
  /** Scratch directory of the run (memory file, journal, Inspector's HOME). */
  root: string;
  /** The one directory server-filesystem may touch (a real path: the server compares real paths). */
  files: string;
  /** server-memory's knowledge graph file. */
  memoryFile: string;
}

export async function thirdPartyDirs(): Promise<ThirdPartyDirs> {
  const root = realpathSync(await mkdtemp(join(tmpdir(), 'switchyard-3p-')));
  const files = join(root, 'files');
  await mkdir(files);
  return { root, files, memoryFile: join(root, 'memory.jsonl') };
}

/**
 * The four backends behind one URL: server-everything (`everything`), server-memory (`memory`),
 * server-filesystem (`fs`), each a stdio process run by Bun, and the builtin module (`builtin`).
 * All hot, so they are up and initialized before the first request.
 */
export function thirdPartyConfig(dirs: ThirdPartyDirs): Record<string, unknown> {
  return {
    mcpServers: {
      everything: { command: process.execPath, args: [EVERYTHING, 'stdio'], tier: 'hot' },
      memory: {
        command: process.execPath,
        args: [MEMORY],
        env: { MEMORY_FILE_PATH: dirs.memoryFile },
        tier: 'hot',
      },
      fs: { command: process.execPath, args: [FILESYSTEM, dirs.files], tier: 'hot' },
      builtin: { module: BUILTIN, tier: 'hot' },
    },
  };
}

export interface SharedGateway {
  url: string;
  origin: string;
  gateway: Gateway;
  dirs: ThirdPartyDirs;
  /** Milliseconds from start to serving (all hot backends initialized). */
  startedInMs: number;
  stop(): Promise<void>;
}

/**
 * The same gateway `startInProcess` builds (the third-party config unless `config` is given), but
 * owned by the caller: start it in `beforeAll`, `stop()` it in `afterAll`.
 */
export async function startShared(
  config?: (dirs: ThirdPartyDirs) => Record<string, unknown>,
  options: {
    /** Variables the gateway sees (config `${VAR}` / `tokenEnv`) on top of this process's own,
     *  which its stdio backends inherit too, as under `switchyard serve`. */
    env?: Record<string, string>;
  } = {},
): Promise<SharedGateway> {
  const started = Date.now();
  const dirs = await thirdPartyDirs();
  const value = (config ?? thirdPartyConfig)(dirs);
  const served = await serveGateway(value, dirs.root, options.env);
  return {
    ...served,
    dirs,
    startedInMs: Date.now() - started,
    async stop() {
      await served.stop();
      await rm(dirs.root, { recursive: true, force: true });
    },
  };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/** Runs `cmd` to its end or until `timeoutMs` (then SIGKILL); never throws for a non-zero exit. */
export async function run(
  cmd: string[],
  options: { timeoutMs: number; env?: Record<string, string>; cwd?: string },
): Promise<RunResult> {
  const started = Date.now();
  const child = Bun.spawn(cmd, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs);
  try {
    const [stdout, stderr, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    return { code, stdout, stderr, timedOut, ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/** The text of a tool result's text blocks, joined. */
export function textOf(result: unknown): string {
  return ((result as { content?: { type: string; text?: string }[] }).content ?? [])
    .map((c) => c.text ?? '')
    .join('');
}

/**
 * The protocol revisions the gateway at `url` offers to a 2026-07-28 client's `server/discover`
 * (empty when it does not answer it: a 2025-only server).
 */
export async function discoverVersions(url: string): Promise<string[]> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'server/discover',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'server/discover',
      params: {
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientCapabilities': {},
          'io.modelcontextprotocol/clientInfo': { name: 'probe', version: '1' },
        },
      },
    }),
  });
  const text = await response.text();
  const json = (() => {
    try {
      return JSON.parse(text) as { result?: { supportedVersions?: unknown } };
    } catch {
      // An SSE answer: the first data line.
      const data = text.split('\n').find((l) => l.startsWith('data:'));
      return data ? (JSON.parse(data.slice(5)) as { result?: { supportedVersions?: unknown } }) : {};
    }
  })();
  const versions = json.result?.supportedVersions;
  return Array.isArray(versions) ? versions.filter((v): v is string => typeof v === 'string') : [];
}

/** `promise`, or a rejection naming `what` after `ms`: a bounded wait with a useful message. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
