/**
 * Builders for the error responses the coordinator answers with. Each returns a complete JSON-RPC
 * error response; `id` is left out when the request's id could not be read (MCP 2025-11-25 makes
 * it optional there; JSON-RPC 2.0 would send `null`, which MCP forbids and the SDK rejects).
 */
import { INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR } from './codes.ts';
import {
  JSONRPC_VERSION,
  type JsonObject,
  type JsonRpcErrorObject,
  type JsonRpcErrorResponse,
  type JsonRpcResultResponse,
  type RequestId,
} from './types.ts';

/** An error response for `id` (or without an id when it is `undefined`). */
export function errorResponse(id: RequestId | undefined, error: JsonRpcErrorObject): JsonRpcErrorResponse {
  return id === undefined ? { jsonrpc: JSONRPC_VERSION, error } : { jsonrpc: JSONRPC_VERSION, id, error };
}

/** A result response. */
export function resultResponse(id: RequestId, result: JsonObject): JsonRpcResultResponse {
  return { jsonrpc: JSONRPC_VERSION, id, result };
}

function withData(code: number, message: string, data: unknown): JsonRpcErrorObject {
  return data === undefined ? { code, message } : { code, message, data };
}

/** -32700: the text is not JSON. `detail` (the parser's words) goes into `data.detail`. */
export function parseError(detail?: string): JsonRpcErrorResponse {
  return errorResponse(
    undefined,
    withData(PARSE_ERROR, 'Parse error: the message is not valid JSON', detail ? { detail } : undefined),
  );
}

/** -32600: not a valid request object; `problem` says what is wrong with it. */
export function invalidRequest(
  id: RequestId | undefined,
  problem: string,
  data?: unknown,
): JsonRpcErrorResponse {
  return errorResponse(id, withData(INVALID_REQUEST, `Invalid request: ${problem}`, data));
}

/** -32601: nothing here answers `method`. */
export function methodNotFound(id: RequestId, method: string): JsonRpcErrorResponse {
  return errorResponse(id, {
    code: METHOD_NOT_FOUND,
    message: `Method not found: ${method}`,
    data: { method },
  });
}

/** -32602: the params of the request are not acceptable; `problem` says why. */
export function invalidParams(
  id: RequestId | undefined,
  problem: string,
  data?: unknown,
): JsonRpcErrorResponse {
  return errorResponse(id, withData(INVALID_PARAMS, `Invalid params: ${problem}`, data));
}

/** -32603: something failed inside the gateway. */
export function internalError(
  id: RequestId | undefined,
  problem: string,
  data?: unknown,
): JsonRpcErrorResponse {
  return errorResponse(id, withData(INTERNAL_ERROR, `Internal error: ${problem}`, data));
}
