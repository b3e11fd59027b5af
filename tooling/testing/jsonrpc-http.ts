/**
 * Test support for remote workers: a real JSON-RPC server over HTTP on 127.0.0.1 (Bun.serve) —
 * `initialize` hands out a session (`mcp-session-id`), a request of a session it does not know is a
 * 404; methods `echo` (→ params), `sleep` {ms}, `fail` (a JSON-RPC error), `whoami` (→ the session);
 * `notifications/cancelled` is recorded — and the smallest client transport of the MCP SDK's
 * `Transport` shape for it (one POST per message, JSON answers; a 404 closes the connection).
 */

/**
 * worker-pool's `RemoteTransport` (the MCP SDK's `Transport` shape), written here so tooling imports
 * no package (it sits below them all); structural, so it is accepted wherever that is asked for.
 */
export interface HttpTransport {
  start(): Promise<void>;
  send(message: object): Promise<void>;
  close(): Promise<void>;
  onmessage?: ((message: unknown) => void) | undefined;
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
}

export interface JsonRpcHttpServer {
  url: string;
  /** Sessions the server knows; deleting one makes its next request a 404. */
  sessions: Set<string>;
  cancelled: unknown[];
  stop(): void;
}

/** Start the server; `stop()` it after the test. */
export function serveJsonRpc(): JsonRpcHttpServer {
  const sessions = new Set<string>();
  const cancelled: unknown[] = [];
  let next = 1;
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const m = (await req.json()) as { id?: number; method: string; params?: { ms?: number } & object };
      let session = req.headers.get('mcp-session-id');
      if (m.method === 'initialize') {
        session = `s${next++}`;
        sessions.add(session);
      } else if (!session || !sessions.has(session)) {
        return new Response('unknown session', { status: 404 });
      }
      const headers = { 'content-type': 'application/json', 'mcp-session-id': session };
      if (m.method === 'notifications/cancelled') cancelled.push(m.params);
      if (m.id === undefined) return new Response(null, { status: 202, headers });
      const answer = (body: object) =>
        new Response(JSON.stringify({ jsonrpc: '2.0', id: m.id, ...body }), { headers });
      if (m.method === 'fail') return answer({ error: { code: -32001, message: 'nope', data: { why: 1 } } });
      if (m.method === 'sleep') await Bun.sleep(m.params?.ms ?? 0);
      const result = m.method === 'initialize' || m.method === 'whoami' ? { session } : (m.params ?? null);
      return answer({ result });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/mcp`,
    sessions,
    cancelled,
    stop: () => server.stop(true),
  };
}

/** A client transport to `url`: `start()` opens a session with `initialize`. */
export function httpTransport(url: string): HttpTransport {
  let session: string | undefined;
  let closed = false;
  const t: HttpTransport = {
    async start() {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 'init', method: 'initialize' }),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      session = res.headers.get('mcp-session-id') ?? undefined;
      await res.body?.cancel();
    },
    async send(message: object) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(session && { 'mcp-session-id': session }) },
        body: JSON.stringify(message),
      });
      if (res.status === 404) {
        // The server forgot the session: this connection is over.
        void t.close();
        throw new Error('session not found (HTTP 404)');
      }
      if (res.status === 202) return;
      t.onmessage?.(await res.json());
    },
    async close() {
      if (closed) return;
      closed = true;
      t.onclose?.();
    },
  };
  return t;
}
