/**
 * The floor in front of one stdio MCP server: the floor's `Bun.serve` (servers/floor.ts) forwarding
 * each `tools/call` to one process of the server over its stdin/stdout (newline-delimited JSON-RPC,
 * a fresh numeric id per call, the writes of one tick flushed together) and answering with its
 * result under the client's id. No session, no validation, no journal: the least an HTTP front in
 * front of that one process can cost, beside the backend's own pipe ceiling.
 * `bun floor-pipe.ts '<json {command, args}>'`; listens on 127.0.0.1, a free port; the first stdout
 * line is its URL (after the server is initialized). SIGTERM stops it and the server.
 */
interface Call {
  id?: string | number | null;
  method?: string;
  params?: unknown;
}
type Answer = { id?: number; result?: unknown; error?: unknown };

const { command, args } = JSON.parse(process.argv[2] ?? '{}') as { command: string; args: string[] };
const proc = Bun.spawn([command, ...args], { stdin: 'pipe', stdout: 'pipe', stderr: 'inherit' });
const pending = new Map<number, (msg: Answer) => void>();

void (async () => {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of proc.stdout) {
    buf += decoder.decode(chunk, { stream: true });
    let nl = buf.indexOf('\n');
    while (nl !== -1) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      nl = buf.indexOf('\n');
      if (!line.trim()) continue;
      const msg = JSON.parse(line) as Answer;
      if (typeof msg.id !== 'number') continue;
      const done = pending.get(msg.id);
      pending.delete(msg.id);
      done?.(msg);
    }
  }
})();

let flushQueued = false;
function send(msg: unknown): void {
  proc.stdin.write(`${JSON.stringify(msg)}\n`);
  if (!flushQueued) {
    flushQueued = true;
    queueMicrotask(() => {
      flushQueued = false;
      void proc.stdin.flush();
    });
  }
}
let nextId = 0;
function call(method: string, params: unknown): Promise<Answer> {
  const id = ++nextId;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    send({ jsonrpc: '2.0', id, method, params });
  });
}

await call('initialize', {
  protocolVersion: '2025-11-25',
  capabilities: {},
  clientInfo: { name: 'switchyard-bench-floor-pipe', version: '0.0.0' },
});
send({ jsonrpc: '2.0', method: 'notifications/initialized' });

const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  async fetch(req) {
    if (req.method !== 'POST') return new Response('method not allowed', { status: 405 });
    let msg: Call;
    try {
      msg = (await req.json()) as Call;
    } catch {
      return json({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }, 400);
    }
    const id = msg.id ?? null;
    if (msg.method !== 'tools/call') {
      return json({ jsonrpc: '2.0', id, error: { code: -32601, message: 'Method not found' } });
    }
    const answer = await call('tools/call', msg.params);
    return json(
      answer.error === undefined
        ? { jsonrpc: '2.0', id, result: answer.result }
        : { jsonrpc: '2.0', id, error: answer.error },
    );
  },
});

process.stdout.write(`http://127.0.0.1:${server.port}/mcp\n`);
process.on('SIGTERM', () => {
  server.stop(true);
  proc.kill();
  process.exit(0);
});
