/**
 * The access log of `serve`: one line per HTTP request at `info` — method, path, status, ms (to
 * the response head: an SSE answer goes on streaming after it), principal, the first 8 characters
 * of the session id, and the MCP method when known. It wraps the front door's handler, which it
 * leaves alone; `switchyard.log.access: false` turns it off.
 *
 * The MCP method is the `Mcp-Method` header of a 2026 request, or else the method of the (first)
 * message the front door handed to the coordinator while serving the request: each request runs
 * in an `AsyncLocalStorage` context, and `observeCoordinator` notes there what `handle` /
 * `handleModern` are given. (Reading a copy of the body instead — `request.clone()` — cost about a
 * quarter of the gateway's CPU per call; this costs about a microsecond.)
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { MCPCoordinator } from '@switchyard/coordinator';
import { Authenticator, type AuthSettings, isLoopbackAddress } from '../http/auth.ts';
import { type HttpHandler, pathOf } from '../http/router.ts';

const SESSION_PREFIX = 8;

interface AccessLog {
  info(fields: Record<string, unknown>, message: string): void;
}

/** What the coordinator was told while one request was served. */
interface Facts {
  mcpMethod?: string;
  principal?: string | null;
}

const facts = new AsyncLocalStorage<Facts>();

function note(message: unknown, principal: string | null): void {
  const seen = facts.getStore();
  if (seen === undefined || seen.mcpMethod !== undefined) return;
  const first = Array.isArray(message) ? message[0] : message;
  const method = (first as { method?: unknown } | null)?.method;
  if (typeof method === 'string') seen.mcpMethod = method;
  seen.principal = principal;
}

/**
 * Wraps the coordinator's `handle` and `handleModern` (on this instance) so that the access log
 * learns the MCP method of the request being served.
 */
export function observeCoordinator(coordinator: MCPCoordinator): void {
  const handle = coordinator.handle.bind(coordinator);
  const handleModern = coordinator.handleModern.bind(coordinator);
  coordinator.handle = (message, context) => {
    note(message, context.principal);
    return handle(message, context);
  };
  coordinator.handleModern = (message, context) => {
    note(message, context.principal);
    return handleModern(message, context);
  };
}

export function withAccessLog(handler: HttpHandler, auth: AuthSettings, log: AccessLog): HttpHandler {
  const authenticator = new Authenticator(auth);
  const principalOf = (request: Request, clientAddress: string | null): string | null => {
    const who = authenticator.authenticate(
      request.headers.get('authorization'),
      isLoopbackAddress(clientAddress),
    );
    return who.ok ? who.principal : null;
  };
  const served = async (request: Request, clientAddress: string | null, seen: Facts) => {
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
          principal: seen.principal !== undefined ? seen.principal : principalOf(request, clientAddress),
          ...(session && { session: session.slice(0, SESSION_PREFIX) }),
          ...(mcpMethod !== undefined && mcpMethod !== null && { mcpMethod }),
          ...(response?.headers.get('content-type')?.startsWith('text/event-stream') && { stream: true }),
        },
        'request',
      );
    }
  };
  return (request, clientAddress) => {
    const seen: Facts = {};
    return facts.run(seen, () => served(request, clientAddress, seen));
  };
}
