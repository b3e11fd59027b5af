/**
 * The HTTP side the floor baselines share (floor.ts, floor-thread.ts, floor-pipe.ts): a bare
 * `Bun.serve` on 127.0.0.1, a free port, that parses the JSON-RPC body of a POST and answers a
 * `tools/call` with what `answer` gives (a result, or a promise of a JSON-RPC message's result /
 * error); the first stdout line is its URL; SIGTERM runs `onStop` and exits. Nothing else.
 */
export interface FloorCall {
  id?: string | number | null;
  method?: string;
  params?: { name?: string; arguments?: Record<string, unknown> };
}

/** What a call is answered with: its result, or an error to send instead. */
export type FloorAnswer = { result: unknown } | { error: unknown };

const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export function serveFloor(
  answer: (call: FloorCall) => FloorAnswer | Promise<FloorAnswer> | undefined,
  onStop: () => void = () => {},
): void {
  const reply = (id: FloorCall['id'], a: FloorAnswer | undefined): Response =>
    a === undefined
      ? json({ jsonrpc: '2.0', id, error: { code: -32601, message: 'Method not found' } })
      : json({ jsonrpc: '2.0', id, ...a });
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      if (req.method !== 'POST') return new Response('method not allowed', { status: 405 });
      let msg: FloorCall;
      try {
        msg = (await req.json()) as FloorCall;
      } catch {
        return json({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }, 400);
      }
      const id = msg.id ?? null;
      const a = msg.method === 'tools/call' ? answer(msg) : undefined;
      // A synchronous answer (the floor's) costs no extra promise.
      return a instanceof Promise ? reply(id, await a) : reply(id, a);
    },
  });
  process.stdout.write(`http://127.0.0.1:${server.port}/mcp\n`);
  process.on('SIGTERM', () => {
    server.stop(true);
    onStop();
    process.exit(0);
  });
}
