/**
 * Test support: a real gateway, in this process (`startInProcess`: real backends, real HTTP on
 * 127.0.0.1, an ephemeral port) or as the real CLI in a child process (`startServe`), plus SDK v1
 * clients connected to it. Everything started is stopped after each test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach } from 'vitest';
import { parseConfigValue } from '../../src/config/load.ts';
import { type Gateway, startGateway } from '../../src/gateway/gateway.ts';
import { faultAnswer } from '../../src/http/answers.ts';
import { createHttpHandler } from '../../src/http/router.ts';

export const FIXTURE = new URL('../../../../tooling/fixtures/mcp/stdio-server.ts', import.meta.url).pathname;
export const BUILTIN = new URL('../../src/builtin/tools.ts', import.meta.url).pathname;
const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-gw-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** An mcpServers entry running the repo's stdio fixture under Bun. */
export function fixtureEntry(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { command: process.execPath, args: [FIXTURE, '--name', name], ...extra };
}

export interface InProcess {
  url: string;
  origin: string;
  gateway: Gateway;
}

export interface Served extends InProcess {
  stop(): Promise<void>;
}

/**
 * A gateway built from `config` (the file's JSON, its journal in `dir` unless the config names
 * one), served on 127.0.0.1:0 in this process; `stop` ends both.
 */
export async function serveGateway(
  config: Record<string, unknown>,
  dir: string,
  env?: Record<string, string>,
): Promise<Served> {
  const withJournal = {
    ...config,
    switchyard: { journal: { path: join(dir, 'journal.db') }, ...(config.switchyard as object | undefined) },
  };
  const parsed = parseConfigValue(withJournal as never, { source: 'test', baseDir: dir, env: env ?? {} });
  const gateway = await startGateway(parsed, {
    version: '0.0.0-test',
    ...(env && { env: { ...process.env, ...env } }),
  });
  const handler = createHttpHandler(gateway, {
    host: '127.0.0.1',
    keepAliveMs: 200,
    // The default OAuth resource is `<this origin>/mcp`, read at the first request.
    listenOrigin: () => server.url.origin,
  });
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 30,
    // As `switchyard serve` does: no development error page.
    development: false,
    error: () => faultAnswer(),
    fetch: (request, srv) => handler(request, srv.requestIP(request)?.address ?? null),
  });
  return {
    url: `${server.url.origin}/mcp`,
    origin: server.url.origin,
    gateway,
    async stop() {
      server.stop(true);
      await gateway.stop();
    },
  };
}

/** `serveGateway` in a temporary folder, stopped after the test. */
export async function startInProcess(config: Record<string, unknown>): Promise<InProcess> {
  const served = await serveGateway(config, await tempDir());
  cleanups.push(() => served.stop());
  return { url: served.url, origin: served.origin, gateway: served.gateway };
}

/** An SDK v1 client connected to `url`; closed after the test. */
export async function connectClient(
  url: string,
  options: { name?: string; capabilities?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Promise<Client> {
  const client = new Client(
    { name: options.name ?? 'test-client', version: '1.0.0' },
    { capabilities: options.capabilities ?? {} },
  );
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: options.headers ?? {} },
  });
  await client.connect(transport);
  cleanups.push(() => client.close().catch(() => {}));
  return client;
}

export interface ServeProcess {
  url: string;
  child: ReturnType<typeof Bun.spawn>;
  stderr(): string;
  /** Resolves with the exit code. */
  exited: Promise<number>;
}

/** The real CLI: `switchyard serve --port 0 …args`, its URL read from the first stdout line. */
export function startServe(args: string[], options: { cwd?: string } = {}): Promise<ServeProcess> {
  return runServe(['--port', '0', ...args], options);
}

/**
 * The real CLI: `switchyard serve …args` (the port as the args say), its URL read from the first
 * stdout line, its stderr kept; killed after the test if still running. `env` goes over the
 * environment (the log level is `debug` unless it says otherwise).
 */
export async function runServe(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<ServeProcess> {
  const child = Bun.spawn([process.execPath, CLI, 'serve', ...args], {
    cwd: options.cwd ?? (await tempDir()),
    env: { ...process.env, SWITCHYARD_LOG_LEVEL: 'debug', ...options.env },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let stderr = '';
  void (async () => {
    for await (const chunk of child.stderr as ReadableStream<Uint8Array>)
      stderr += new TextDecoder().decode(chunk);
  })();
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await child.exited;
  });
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
  let out = '';
  const deadline = Date.now() + 20_000;
  while (!out.includes('\n')) {
    if (Date.now() > deadline) throw new Error(`serve printed no URL in 20 s; stderr:\n${stderr}`);
    const { done, value } = await reader.read();
    if (done)
      throw new Error(
        `serve exited before printing its URL (code ${await child.exited}); stderr:\n${stderr}`,
      );
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return { url: out.split('\n')[0] ?? '', child, stderr: () => stderr, exited: child.exited };
}

/** A raw POST to `/mcp` with the headers a well-behaved client sends, overridable. */
export function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

/** Initializes over raw HTTP; returns the session id. */
export async function rawSession(url: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await post(url, INITIALIZE, headers);
  const id = response.headers.get('mcp-session-id');
  if (response.status !== 200 || id === null)
    throw new Error(`initialize failed: ${response.status} ${await response.text()}`);
  await post(
    url,
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { ...headers, 'mcp-session-id': id },
  );
  return id;
}

/** A 2026-07-28 POST: the version and method headers set from the body (`headers` on top). */
export function modernPost(url: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return post(url, body, {
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': String(body.method),
    ...headers,
  });
}

/** A 2026-07-28 answer read by {@link modernRpc}. */
export interface ModernAnswer {
  status: number;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: Record<string, unknown> };
}

let modernSeq = 0;

/**
 * A 2026-07-28 request over raw HTTP as `token`'s principal, with `capabilities` as the client's
 * (`Mcp-Name` from `params.name` or `params.taskId`); its answer: the JSON body, or the last
 * response of an SSE stream.
 */
export async function modernRpc(
  url: string,
  token: string,
  method: string,
  params: Record<string, unknown>,
  capabilities: Record<string, unknown> = {},
): Promise<ModernAnswer> {
  const meta = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientCapabilities': capabilities,
  };
  const named = typeof params.name === 'string' ? params.name : params.taskId;
  const response = await modernPost(
    url,
    { jsonrpc: '2.0', id: ++modernSeq, method, params: { ...params, _meta: meta } },
    { authorization: `Bearer ${token}`, ...(typeof named === 'string' && { 'mcp-name': named }) },
  );
  const text = await response.text();
  const body = (response.headers.get('content-type') ?? '').startsWith('text/event-stream')
    ? text
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => JSON.parse(l.slice(6)))
        .filter((m) => !('method' in m))
        .at(-1)
    : JSON.parse(text);
  return { status: response.status, ...body };
}

/** A message of a 2026 listen's stream. */
export interface ListenMessage {
  id?: unknown;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: { code: number };
}

/**
 * A 2026-07-28 `subscriptions/listen` for `taskIds` over raw HTTP as `token`'s principal, with
 * `capabilities` as the client's: its status, and its messages as they come (`next`; `until` reads
 * at most 1,000 for one that matches).
 */
export async function taskListen(
  url: string,
  token: string,
  taskIds: string[],
  capabilities: Record<string, unknown>,
) {
  const response = await modernPost(
    url,
    {
      jsonrpc: '2.0',
      id: 'listen-1',
      method: 'subscriptions/listen',
      params: {
        notifications: { taskIds },
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientCapabilities': capabilities,
        },
      },
    },
    { authorization: `Bearer ${token}` },
  );
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const decoder = new TextDecoder();
  let buffer = '';
  const queue: ListenMessage[] = [];
  /** The next message (undefined: the stream ended). */
  async function next(): Promise<ListenMessage | undefined> {
    reader ??= response.body?.getReader() as ReadableStreamDefaultReader<Uint8Array> | undefined;
    while (queue.length === 0) {
      const { done, value } = (await reader?.read()) ?? { done: true, value: undefined };
      if (done) return undefined;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const data = buffer
          .slice(0, end)
          .split('\n')
          .filter((l) => l.startsWith('data: '))
          .map((l) => l.slice(6))
          .join('\n');
        if (data) queue.push(JSON.parse(data) as ListenMessage);
        buffer = buffer.slice(end + 2);
      }
    }
    return queue.shift();
  }
  /** Reads until a message `match`es (at most 1,000 messages); that message. */
  async function until(match: (m: ListenMessage) => boolean): Promise<ListenMessage> {
    for (let i = 0; i < 1000; i++) {
      const m = await next();
      if (!m) throw new Error('the listen ended first');
      if (match(m)) return m;
    }
    throw new Error('no such message');
  }
  return { status: response.status, response, next, until, close: () => reader?.cancel() };
}
