/**
 * The setups the e2e suite loads, each its own process on 127.0.0.1 with a free port, each serving
 * one tool `echo {text}`:
 *
 * - `floor`: a bare `Bun.serve` that parses the JSON-RPC body and answers (servers/floor.ts);
 * - `floor + thread`: the same, with the echo run on a worker thread (calls of a tick posted to it
 *   together): what one thread hop costs by itself, the least a module tool's path can cost
 *   (servers/floor-thread.ts);
 * - `floor + pipe everything`: the floor forwarding each call to one server-everything process over
 *   its stdio pipe (fresh id per call, no session, no journal): the least an HTTP front in front of
 *   that process can cost (servers/floor-pipe.ts);
 * - `sdk`: the official SDK v1 `McpServer`, stateless Streamable HTTP with JSON responses, on its
 *   web-standard transport under `Bun.serve` (servers/sdk.ts);
 * - `switchyard builtin`: the gateway's embedded default (the builtin module on worker threads);
 * - `switchyard stdio ×1` / `×2`: the gateway in front of the repo's stdio fixture, 1 or 2 hot replicas;
 * - `switchyard cpu-stdio ×1` / `×2`: the same in front of the bench's CPU-bound fixture (each call
 *   burns about 2 ms of CPU in the backend), 1 or 2 hot replicas, loaded by 32 sessionless
 *   2026-07-28 clients (one affinity key per connection);
 * - `supergateway`: supergateway (stdio → Streamable HTTP, stateful) in front of the same fixture, on node;
 * - `switchyard everything ×1` / `supergateway everything`: the same two in front of server-everything;
 * - `switchyard builtin 2026` / `switchyard everything 2026 ×1`: the builtin and server-everything
 *   setups called on the sessionless 2026-07-28 path instead of a 2025 session (same backend, so the
 *   two eras compare within one run).
 *
 * A stdio setup names its `backend`, whose own pipe ceiling (pipe-driver.ts) the suite measures once
 * as a baseline; `c1` setups also get a one-connection latency pass.
 */
import { realpathSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, delimiter, join } from 'node:path';
import { AFFINITY_HEADER, waitForHttp } from './mcp-http.ts';
import { type Child, spawnChild, stop } from './process.ts';
import { profileArgs } from './profile.ts';

export interface Started {
  child: Child;
  url: string;
}

export interface Setup {
  name: string;
  /** The tool name this setup shows for the fixture's `echo`. */
  tool: string;
  /** The echo tool's argument (default `text`; server-everything's is `message`). */
  argument?: string;
  /** What the echo of `hello` answers (default `hello`; server-everything's is `Echo: hello`). */
  answer?: string;
  /** Whether a front session is opened first and sent with every call. */
  session: boolean;
  /**
   * Sessionless 2026-07-28 calls instead of a 2025 session (`session` false), each connection with
   * an affinity key of its own (header `x-bench-client`, `clients` values): a shared backend keeps
   * one key (as one session) on one worker, so many keys spread the calls over its replicas.
   */
  clients?: number;
  /** Sessionless 2026-07-28 calls without affinity keys (`clients` implies the 2026 path too). */
  modern?: boolean;
  /** The stdio server behind the gateway (one process of it): its pipe ceiling is this setup's baseline. */
  backend?: Backend;
  /** Also measure one connection, sequential calls (the c1 latency row). */
  c1?: boolean;
  /** Starts the process (`tmp`: a scratch folder of this run) and gives its MCP endpoint. */
  start(tmp: string): Promise<Started>;
}

/** A stdio MCP server as the pipe-ceiling driver spawns it. */
export interface Backend {
  /** Names the baseline: `backend pipe ceiling (<label>)`. */
  label: string;
  command: string[];
  /** Its own name for the echo tool, its argument and the answer to `hello`. */
  tool: string;
  argument: string;
  answer: string;
}

const here = import.meta.dir;
const repo = join(here, '..', '..', '..', '..');
export const FIXTURE = join(repo, 'tooling', 'fixtures', 'mcp', 'stdio-server.ts');
/** The bench's CPU-bound stdio server: `echo` after about 2 ms of hashing (src/fixtures/cpu-server.ts). */
export const CPU_FIXTURE = join(here, '..', 'fixtures', 'cpu-server.ts');
const GATEWAY_CLI = join(repo, 'apps', 'mcp-server', 'src', 'cli.ts');
const GATEWAY_DIR = join(repo, 'apps', 'mcp-server');
const START_MS = 20_000;

/** The bun running this suite (servers and the fixture run on the same one). */
export const bunPath = (): string => (process.versions.bun ? process.execPath : (Bun.which('bun') ?? 'bun'));
/**
 * The real `node` on PATH: `bun --bun` (as `bun --bun vitest` does) puts a `node` that is bun
 * itself first on PATH, and the load generator and supergateway must run on node.
 */
export function nodePath(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'node');
    try {
      if (!statSync(candidate).isFile()) continue;
      if (/^bun(\.exe)?$/.test(basename(realpathSync(candidate)))) continue;
      return candidate;
    } catch {
      // not there
    }
  }
  throw new Error('node is not on PATH (autocannon and supergateway run on node)');
}

/** A server that prints its URL as its first stdout line; the rest of stdout is drained. */
async function urlOnFirstLine(name: string, cmd: string[], cwd?: string): Promise<Started> {
  const child = spawnChild(name, cmd, cwd);
  const url = (await child.nextLine(START_MS)).trim();
  void (async () => {
    for await (const _ of child.lines) {
      // drain
    }
  })();
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(url)) throw new Error(`${name}: expected a URL, got ${url}`);
  return { child, url };
}

/**
 * `switchyard serve --port 0 --config <tmp>/<file>.json --log-level warn` with `config` (the
 * `mcpServers` + `switchyard` keys) written to that file; the journal goes to the temp folder unless
 * the config says otherwise.
 */
export function startSwitchyard(
  name: string,
  file: string,
  tmp: string,
  config: { mcpServers: Record<string, unknown>; switchyard?: Record<string, unknown> },
): Promise<Started> {
  const path = join(tmp, `${file}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      mcpServers: config.mcpServers,
      switchyard: { journal: { path: join(tmp, `${file}.db`) }, ...config.switchyard },
    }),
  );
  return urlOnFirstLine(name, [
    bunPath(),
    ...profileArgs(),
    GATEWAY_CLI,
    'serve',
    '--port',
    '0',
    '--config',
    path,
    '--log-level',
    'warn',
  ]);
}

/**
 * `@modelcontextprotocol/server-everything` (a devDependency of apps/mcp-server) as a stdio
 * command on this bun: `[bun, <its dist/index.js>, 'stdio']`.
 */
export function everythingCommand(): { command: string; args: string[] } {
  const pkg = Bun.resolveSync('@modelcontextprotocol/server-everything/package.json', GATEWAY_DIR);
  return { command: bunPath(), args: [join(pkg, '..', 'dist', 'index.js'), 'stdio'] };
}

/**
 * The gateway in front of a stdio server (`command`) as backend `key`, `replicas` hot processes;
 * `label` names the setup (`switchyard <label> ×N`).
 */
function switchyardStdio(
  label: string,
  key: string,
  command: string[],
  replicas: number,
  clients?: number,
  echo: Pick<Setup, 'argument' | 'answer'> = {},
  more: Pick<Setup, 'backend' | 'c1' | 'modern'> = {},
): Setup {
  const name = `switchyard ${label} ×${replicas}`;
  return {
    name,
    tool: `${key}__echo`,
    ...echo,
    ...more,
    session: clients === undefined && !more.modern,
    ...(clients !== undefined && { clients }),
    start: (tmp) =>
      startSwitchyard(name, `switchyard-${key}-r${replicas}${more.modern ? '-2026' : ''}`, tmp, {
        mcpServers: { [key]: { command: bunPath(), args: command, tier: 'hot', replicas } },
        ...(clients !== undefined && {
          switchyard: { affinity: { key: { header: AFFINITY_HEADER } } },
        }),
      }),
  };
}

/**
 * A free TCP port for supergateway, which takes a port but cannot report one it picked, and binds
 * every interface. Drawn below the kernel's ephemeral range (32768+ by default), so no outgoing
 * connection on the machine takes it between this check and supergateway's bind.
 */
async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port found for supergateway');
}

const shellQuote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

/** server-everything's `echo`: argument `message`, answer `Echo: <message>`. */
const EVERYTHING_ECHO = { argument: 'message', answer: 'Echo: hello' } as const;

/**
 * supergateway 4.0.0 in front of the stdio server `command`, stateful: one session = one server
 * process kept for the run. Its stateless mode spawns a fresh stdio server (and initializes it) for
 * every request, which is not a fair way to load it.
 */
function supergateway(name: string, command: string[], echo: Pick<Setup, 'argument' | 'answer'> = {}): Setup {
  return {
    name,
    tool: 'echo',
    ...echo,
    session: true,
    async start() {
      const entry = Bun.resolveSync('supergateway/dist/index.js', here);
      // Up to 3 tries, each on a new port, in case another program took the port first.
      for (let attempt = 1; ; attempt++) {
        const port = await freePort();
        const child = spawnChild(name, [
          nodePath(),
          entry,
          '--stdio',
          command.map(shellQuote).join(' '),
          '--outputTransport',
          'streamableHttp',
          '--stateful',
          '--port',
          String(port),
          '--logLevel',
          'none',
        ]);
        void (async () => {
          for await (const _ of child.lines) {
            // drain
          }
        })();
        const url = `http://127.0.0.1:${port}/mcp`;
        try {
          await waitForHttp(
            url,
            START_MS,
            () => child.proc.exitCode === null && child.proc.signalCode === null,
          );
          return { child, url };
        } catch (e) {
          await stop(child, 1000);
          console.error(`${name}: try ${attempt} failed: ${String(e)}; stderr: ${child.stderrTail()}`);
          if (attempt === 3) {
            throw new Error(`${e instanceof Error ? e.message : String(e)}; stderr: ${child.stderrTail()}`);
          }
        }
      }
    },
  };
}

const FIXTURE_BACKEND: Backend = {
  label: 'fixture',
  command: [bunPath(), FIXTURE],
  tool: 'echo',
  argument: 'text',
  answer: 'hello',
};

const EVERYTHING_BACKEND: Backend = {
  label: 'everything',
  command: [everythingCommand().command, ...everythingCommand().args],
  tool: 'echo',
  ...EVERYTHING_ECHO,
};

/** The embedded default (no --config): its journal goes to ./switchyard.db, so cwd is the temp dir. */
const builtin = (name: string, tmp: string): Promise<Started> =>
  urlOnFirstLine(
    name,
    [bunPath(), ...profileArgs(), GATEWAY_CLI, 'serve', '--port', '0', '--log-level', 'warn'],
    tmp,
  );

export const SETUPS: Setup[] = [
  {
    name: 'floor',
    tool: 'echo',
    session: false,
    c1: true,
    start: () => urlOnFirstLine('floor', [bunPath(), join(here, 'servers', 'floor.ts')]),
  },
  {
    name: 'floor + thread',
    tool: 'echo',
    session: false,
    c1: true,
    start: () => urlOnFirstLine('floor + thread', [bunPath(), join(here, 'servers', 'floor-thread.ts')]),
  },
  {
    name: 'sdk',
    tool: 'echo',
    session: false,
    start: () => urlOnFirstLine('sdk', [bunPath(), join(here, 'servers', 'sdk.ts')]),
  },
  {
    name: 'switchyard builtin',
    tool: 'builtin__echo',
    session: true,
    c1: true,
    start: (tmp) => builtin('switchyard builtin', tmp),
  },
  {
    name: 'switchyard builtin 2026',
    tool: 'builtin__echo',
    session: false,
    modern: true,
    start: (tmp) => builtin('switchyard builtin 2026', tmp),
  },
  switchyardStdio('stdio', 'fx', [FIXTURE], 1, undefined, {}, { backend: FIXTURE_BACKEND, c1: true }),
  switchyardStdio('stdio', 'fx', [FIXTURE], 2, undefined, {}, { backend: FIXTURE_BACKEND }),
  // 32 clients, one per connection: one client (one session, one key) stays on one worker, and
  // sessions opened on an idle backend all go to its first replica, so 2025 sessions would use one.
  switchyardStdio('cpu-stdio', 'cpu', [CPU_FIXTURE], 1, 32),
  switchyardStdio('cpu-stdio', 'cpu', [CPU_FIXTURE], 2, 32),
  supergateway('supergateway', [bunPath(), FIXTURE]),
  switchyardStdio('everything', 'ev', everythingCommand().args, 1, undefined, EVERYTHING_ECHO, {
    backend: EVERYTHING_BACKEND,
  }),
  switchyardStdio('everything 2026', 'ev', everythingCommand().args, 1, undefined, EVERYTHING_ECHO, {
    backend: EVERYTHING_BACKEND,
    modern: true,
  }),
  {
    name: 'floor + pipe everything',
    tool: 'echo',
    session: false,
    ...EVERYTHING_ECHO,
    backend: EVERYTHING_BACKEND,
    start: () =>
      urlOnFirstLine('floor + pipe everything', [
        bunPath(),
        join(here, 'servers', 'floor-pipe.ts'),
        JSON.stringify({ command: EVERYTHING_BACKEND.command[0], args: EVERYTHING_BACKEND.command.slice(1) }),
      ]),
  },
  supergateway(
    'supergateway everything',
    [everythingCommand().command, ...everythingCommand().args],
    EVERYTHING_ECHO,
  ),
];
