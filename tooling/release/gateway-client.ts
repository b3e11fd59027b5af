/**
 * A gateway started as a user starts it (a command that prints its MCP URL first on stdout), and an
 * MCP client of it over HTTP: 2025-06-18, one session, plain `fetch`.
 */
import { type ChildProcess, spawn } from 'node:child_process';

/** Starts `cmd` and waits (up to 120 s) for the URL it prints on stdout. */
export async function started(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (b) => (err += String(b)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no URL within 120 s\n${out}\n${err}`));
    }, 120_000);
    child.stdout!.on('data', (b) => {
      out += String(b);
      const line = out.split('\n').find((l) => l.startsWith('http://'));
      if (line) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${out}\n${err}`));
    });
  });
  return { child, url };
}

/** SIGTERM, then the exit code (the gateway exits 0 after a graceful stop). */
export async function stopped(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exit;
}

export interface McpSession {
  request(method: string, params?: object): Promise<{ result?: unknown; error?: { message: string } }>;
}

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** An initialized 2025-06-18 session on the gateway at `url`. */
export async function mcpSession(url: string): Promise<McpSession> {
  const init = await fetch(url, {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'release-test', version: '1' },
      },
    }),
  });
  if (init.status !== 200) throw new Error(`initialize: HTTP ${init.status} ${await init.text()}`);
  const headers = {
    ...HEADERS,
    'mcp-session-id': init.headers.get('mcp-session-id')!,
    'mcp-protocol-version': '2025-06-18',
  };
  await fetch(url, {
    method: 'POST',
    headers,
    body: '{"jsonrpc":"2.0","method":"notifications/initialized"}',
  });
  let id = 1;
  return {
    async request(method, params) {
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
      });
      return (await res.json()) as { result?: unknown; error?: { message: string } };
    },
  };
}

/** The names tools/list gives. */
export async function toolNames(url: string): Promise<string[]> {
  const { result } = await (await mcpSession(url)).request('tools/list');
  return (result as { tools: { name: string }[] }).tools.map((t) => t.name);
}
