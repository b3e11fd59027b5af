/**
 * The floor in front of one stdio MCP server: the floor's `Bun.serve` (servers/floor.ts) forwarding
 * each `tools/call` to one process of the server over its stdin/stdout (newline-delimited JSON-RPC,
 * a fresh numeric id per call, the writes of one tick flushed together) and answering with its
 * result under the client's id. No session, no validation, no journal: the least an HTTP front in
 * front of that one process can cost, beside the backend's own pipe ceiling.
 * `bun floor-pipe.ts '<json {command, args}>'`; listens on 127.0.0.1, a free port; the first stdout
 * line is its URL (after the server is initialized). SIGTERM stops it and the server.
 */
import { type FloorAnswer, serveFloor } from './floor-serve.ts';

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

serveFloor(
  (msg) =>
    call('tools/call', msg.params).then(
      (answer): FloorAnswer =>
        answer.error === undefined ? { result: answer.result } : { error: answer.error },
    ),
  () => proc.kill(),
);
