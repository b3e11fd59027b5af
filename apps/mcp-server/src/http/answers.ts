/**
 * The HTTP answers of the front door: a JSON-RPC error in a JSON body with a precise status, plain
 * JSON, and the 202 for messages that need no reply.
 */

import { INTERNAL_ERROR, type JsonRpcMessage, type RequestId } from '@switchyard/coordinator';
import { BoundedMemo } from './bounded-memo.ts';

export type Headers = Record<string, string>;

/**
 * The headers of a plain JSON answer, built once: a `Response` copies a `Headers` it is given
 * natively, where a plain object would be read key by key on every answer.
 */
const JSON_HEADERS = new globalThis.Headers({ 'content-type': 'application/json' });

export function json(status: number, body: unknown, headers?: Headers): Response {
  if (headers === undefined) return new Response(JSON.stringify(body), { status, headers: JSON_HEADERS });
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** The headers of JSON answers within a 2025 session, by session id; emptied when full. */
const sessionJsonHeaders = new BoundedMemo<globalThis.Headers>(1_024);

/**
 * A JSON answer carrying a session's id in `header` (`Mcp-Session-Id`): a session's client sends
 * call after call, so its answers' headers are built once per session (bounded).
 */
export function jsonInSession(status: number, body: unknown, header: string, sessionId: string): Response {
  const headers =
    sessionJsonHeaders.get(sessionId) ??
    sessionJsonHeaders.set(
      sessionId,
      new globalThis.Headers({ 'content-type': 'application/json', [header]: sessionId }),
    );
  return new Response(JSON.stringify(body), { status, headers });
}

/** A JSON-RPC error answer (id null unless known) with an HTTP status. */
export function rpcError(
  status: number,
  code: number,
  message: string,
  options: { id?: RequestId | null; headers?: Headers; data?: unknown } = {},
): Response {
  const error: { code: number; message: string; data?: unknown } = { code, message };
  if (options.data !== undefined) error.data = options.data;
  return json(status, { jsonrpc: '2.0', id: options.id ?? null, error }, options.headers);
}

export function accepted(headers: Headers = {}): Response {
  return new Response(null, { status: 202, headers });
}

export function messagesJson(messages: JsonRpcMessage | JsonRpcMessage[], headers?: Headers): Response {
  return json(200, messages, headers);
}

/**
 * The answer to a fault no route answered: a JSON-RPC internal error with no detail (the stack
 * and paths stay in the gateway's log).
 */
export function faultAnswer(): Response {
  return rpcError(500, INTERNAL_ERROR, 'internal error');
}
