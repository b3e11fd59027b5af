/**
 * The access log of `serve`: one line per HTTP request at `info` — method, path, status, ms (to
 * the response head: an SSE answer goes on streaming after it), principal, the first 8 characters
 * of the session id, and the MCP method when known. It wraps the front door's handler, which it
 * leaves alone; `switchyard.log.access: false` turns it off.
 *
 * The principal and the MCP method are what the front door noted while serving the request
 * (`http/request-facts.ts`: the principal it authenticated — none for a request refused before,
 * or for `/` and `/healthz`, which need none — and the method of the message it handed on), else
 * the `Mcp-Method` header. (Reading a copy of the body instead — `request.clone()` — cost about a
 * quarter of the gateway's CPU per call; this costs about a microsecond.)
 */

import { type RequestFacts, requestFacts } from '../http/request-facts.ts';
import { type ClientAddress, type HttpHandler, pathOf } from '../http/router.ts';

const SESSION_PREFIX = 8;

interface AccessLog {
  info(fields: Record<string, unknown>, message: string): void;
  /** pino's: whether a line at `level` would be written (the level is fixed for the process). */
  isLevelEnabled?(level: string): boolean;
}

/**
 * `handler` with one access line per request; `handler` itself when the log writes nothing at
 * `info` (`--log-level warn` and above): the wrapper would still pay per request for the request
 * facts' async context (carried through every await of the call), the line's fields and a second
 * parse of the URL — about a tenth of the gateway's CPU per call — to write nothing.
 */
export function withAccessLog(handler: HttpHandler, log: AccessLog): HttpHandler {
  if (log.isLevelEnabled?.('info') === false) return handler;
  const served = async (request: Request, clientAddress: ClientAddress, seen: RequestFacts) => {
    const started = performance.now();
    let status = 500;
    let response: Response | undefined;
    try {
      response = await handler(request, clientAddress);
      status = response.status;
      return response;
    } finally {
      const session = response?.headers.get('mcp-session-id') ?? request.headers.get('mcp-session-id');
      const mcpMethod = request.headers.get('mcp-method') ?? seen.mcpMethod;
      log.info(
        {
          method: request.method,
          path: pathOf(request.url),
          status,
          ms: Math.round((performance.now() - started) * 10) / 10,
          principal: seen.principal ?? null,
          ...(session && { session: session.slice(0, SESSION_PREFIX) }),
          ...(mcpMethod !== undefined && mcpMethod !== null && { mcpMethod }),
          ...(response?.headers.get('content-type')?.startsWith('text/event-stream') && { stream: true }),
        },
        'request',
      );
    }
  };
  return (request, clientAddress) => {
    const seen: RequestFacts = {};
    return requestFacts.run(seen, () => served(request, clientAddress, seen));
  };
}
