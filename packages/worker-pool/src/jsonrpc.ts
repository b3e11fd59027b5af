/** JSON-RPC 2.0 shapes, as process workers speak them (newline-delimited, the MCP stdio framing). */

export type JsonRpcId = string | number;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: unknown;
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: unknown;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcSuccess {
  jsonrpc: '2.0';
  id: JsonRpcId;
  result: unknown;
}

export interface JsonRpcFailure {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  error: JsonRpcErrorObject;
}

export type JsonRpcResponse = JsonRpcSuccess | JsonRpcFailure;
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export type MessageKind = 'request' | 'notification' | 'response' | 'invalid';

/** What a parsed line is. A response needs an id and exactly one of `result`/`error`. */
export function classify(m: unknown): MessageKind {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return 'invalid';
  const o = m as Record<string, unknown>;
  if (typeof o.method === 'string') {
    if (o.id === undefined) return 'notification';
    return typeof o.id === 'string' || typeof o.id === 'number' ? 'request' : 'invalid';
  }
  if (
    'result' in o !== 'error' in o &&
    (typeof o.id === 'number' || typeof o.id === 'string' || o.id === null)
  ) {
    return 'response';
  }
  return 'invalid';
}

/**
 * Builds the message that tells a process to stop working on request `requestId` (the id the pool
 * put on the wire). For MCP: `notifications/cancelled` — see {@link mcpCancelMessage}.
 */
export type CancelMessageFn = (requestId: JsonRpcId, reason: string) => JsonRpcMessage | undefined;

/** The MCP cancellation notification for `requestId`. */
export const mcpCancelMessage: CancelMessageFn = (requestId, reason) => ({
  jsonrpc: '2.0',
  method: 'notifications/cancelled',
  params: { requestId, reason },
});
