/**
 * The floor of the e2e suite: a bare `Bun.serve` that parses the JSON-RPC body of a POST and
 * answers `tools/call echo {text}` with `{content:[{type:'text',text}]}` — no MCP library, no
 * session, no validation beyond what the answer needs. Listens on 127.0.0.1, a free port; the
 * first stdout line is its URL. SIGTERM stops it.
 */
interface Call {
  jsonrpc?: string;
  id?: string | number | null;
  method?: string;
  params?: { name?: string; arguments?: { text?: unknown } };
}

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
    if (msg.method !== 'tools/call' || msg.params?.name !== 'echo') {
      return json({ jsonrpc: '2.0', id, error: { code: -32601, message: 'Method not found' } });
    }
    const text = String(msg.params.arguments?.text ?? '');
    return json({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }] } });
  },
});

process.stdout.write(`http://127.0.0.1:${server.port}/mcp\n`);
process.on('SIGTERM', () => {
  server.stop(true);
  process.exit(0);
});
