/**
 * The access log of `serve`: one line per HTTP request at `info` — method, path, status, ms (to
 * the response head: an SSE answer goes on streaming after it), principal, the first 8 characters
 * of the session id, and the MCP method when known (the `Mcp-Method` header of 2026 requests, or
 * the first `"method"` in the first chunk of a POSTed JSON body). It wraps the front door's
 * handler, which it leaves alone; `switchyard.log.access: false` turns it off.
 */
import { Authenticator, type AuthSettings, isLoopbackAddress } from '../http/auth.ts';
import { type HttpHandler, pathOf } from '../http/router.ts';

/** The first chunk of a body is scanned this far for `"method"`. */
const SCAN_CHARS = 2_048;
const METHOD = /"method"\s*:\s*"([^"\\]{1,128})"/;
const SESSION_PREFIX = 8;

interface AccessLog {
  info(fields: Record<string, unknown>, message: string): void;
}

/** The first JSON-RPC method named in a POSTed JSON body, read from a copy of its first chunk. */
function methodInBody(request: Request): { method: string | undefined; cancel(): void } {
  const found: { method: string | undefined; cancel(): void } = { method: undefined, cancel: () => {} };
  if (request.method !== 'POST' || request.body === null) return found;
  if (!(request.headers.get('content-type') ?? '').includes('json')) return found;
  let reader: { read(): Promise<{ value?: Uint8Array | undefined }>; cancel(): Promise<void> };
  try {
    const copy = request.clone().body;
    if (copy === null) return found;
    reader = copy.getReader();
  } catch {
    return found;
  }
  // The copy is read once, then let go: the front door reads the body itself.
  found.cancel = () => void reader.cancel().catch(() => {});
  reader.read().then(
    ({ value }) => {
      if (value !== undefined) {
        const head = new TextDecoder().decode(value.subarray(0, SCAN_CHARS));
        found.method = METHOD.exec(head)?.[1];
      }
      found.cancel();
    },
    () => {},
  );
  return found;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function withAccessLog(handler: HttpHandler, auth: AuthSettings, log: AccessLog): HttpHandler {
  const authenticator = new Authenticator(auth);
  return async (request, clientAddress) => {
    const started = performance.now();
    const header = request.headers.get('mcp-method');
    const body = header === null ? methodInBody(request) : undefined;
    let status = 500;
    let response: Response | undefined;
    try {
      response = await handler(request, clientAddress);
      status = response.status;
      return response;
    } finally {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      void (async () => {
        // The body's copy was read along with the body; a turn lets its read settle.
        if (body && body.method === undefined) await nextTurn();
        body?.cancel();
        const who = authenticator.authenticate(
          request.headers.get('authorization'),
          isLoopbackAddress(clientAddress),
        );
        const session = response?.headers.get('mcp-session-id') ?? request.headers.get('mcp-session-id');
        const mcpMethod = header ?? body?.method;
        log.info(
          {
            method: request.method,
            path: pathOf(request.url),
            status,
            ms,
            principal: who.ok ? who.principal : null,
            ...(session && { session: session.slice(0, SESSION_PREFIX) }),
            ...(mcpMethod !== undefined && { mcpMethod }),
            ...(response?.headers.get('content-type')?.startsWith('text/event-stream') && { stream: true }),
          },
          'request',
        );
      })();
    }
  };
}
