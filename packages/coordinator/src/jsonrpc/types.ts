/**
 * JSON-RPC 2.0 message shapes as MCP (2025-03-26 … 2025-11-25) restricts them: ids are strings or
 * integers and never `null`, `params` and `result` are objects, and an error response whose request
 * id could not be read carries no `id` at all (2025-11-25's `JSONRPCErrorResponse.id?`).
 */

export const JSONRPC_VERSION = '2.0';

/** A request id: a string or an integer. MCP forbids `null`. */
export type RequestId = string | number;

/** A progress token (`params._meta.progressToken`), chosen by whoever sends the request. */
export type ProgressToken = string | number;

/** A JSON object (`params`, `result`). */
export type JsonObject = { [key: string]: unknown };

export interface JsonRpcRequest {
  jsonrpc: typeof JSONRPC_VERSION;
  id: RequestId;
  method: string;
  params?: JsonObject;
}

export interface JsonRpcNotification {
  jsonrpc: typeof JSONRPC_VERSION;
  method: string;
  params?: JsonObject;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcResultResponse {
  jsonrpc: typeof JSONRPC_VERSION;
  id: RequestId;
  result: JsonObject;
}

export interface JsonRpcErrorResponse {
  jsonrpc: typeof JSONRPC_VERSION;
  /** Absent when the id of the request could not be read (parse error, invalid request). */
  id?: RequestId;
  error: JsonRpcErrorObject;
}

export type JsonRpcResponse = JsonRpcResultResponse | JsonRpcErrorResponse;

export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export function isJsonRpcErrorResponse(response: JsonRpcResponse): response is JsonRpcErrorResponse {
  return 'error' in response;
}

/** A valid request id: a string, or a safe integer. */
export function isRequestId(value: unknown): value is RequestId {
  return typeof value === 'string' || Number.isSafeInteger(value);
}

/** A plain JSON object: not `null`, not an array. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
