/**
 * The error answers 2026-07-28 defines, each with the HTTP status it must travel with. A front door
 * sends `response` as the body and `httpStatus` as the status; on stdio the status is dropped.
 */
import { INVALID_PARAMS } from '../../jsonrpc/codes.ts';
import { errorResponse } from '../../jsonrpc/responses.ts';
import type { JsonObject, JsonRpcErrorResponse, RequestId } from '../../jsonrpc/types.ts';
import {
  HEADER_MISMATCH,
  MISSING_REQUIRED_CLIENT_CAPABILITY,
  UNSUPPORTED_PROTOCOL_VERSION,
} from './codes.ts';

/** A request refused before it reaches any backend. */
export interface ModernRejection {
  httpStatus: number;
  response: JsonRpcErrorResponse;
}

/** The headers this revision defines (standard, and those a tool's `x-mcp-header` names), as the spec spells them. */
export type StandardHeader = 'MCP-Protocol-Version' | 'Mcp-Method' | 'Mcp-Name' | `Mcp-Param-${string}`;

/** What is wrong with one header. */
export type HeaderProblem = 'missing' | 'mismatch' | 'invalid';

/** -32020, HTTP 400: `header` is missing, disagrees with the body, or is not a valid value. */
export function headerMismatch(
  id: RequestId | undefined,
  header: StandardHeader,
  problem: HeaderProblem,
  detail: string,
): ModernRejection {
  return {
    httpStatus: 400,
    response: errorResponse(id, {
      code: HEADER_MISMATCH,
      message: `Header mismatch: ${detail}`,
      data: { header, problem },
    }),
  };
}

/**
 * -32022, HTTP 400, with `data: { supported, requested }` exactly as schema.ts's
 * `UnsupportedProtocolVersionError` has it.
 */
export function unsupportedProtocolVersion(
  id: RequestId | undefined,
  requested: string,
  supported: readonly string[],
): ModernRejection {
  return {
    httpStatus: 400,
    response: errorResponse(id, {
      code: UNSUPPORTED_PROTOCOL_VERSION,
      message: 'Unsupported protocol version',
      data: { supported: [...supported], requested },
    }),
  };
}

/** -32021, HTTP 400: `data.requiredCapabilities` names the client capabilities the request needs. */
export function missingRequiredClientCapability(
  id: RequestId | undefined,
  requiredCapabilities: JsonObject,
): ModernRejection {
  const names = Object.keys(requiredCapabilities).join(', ');
  return {
    httpStatus: 400,
    response: errorResponse(id, {
      code: MISSING_REQUIRED_CLIENT_CAPABILITY,
      message: `Missing required client capability: ${names}`,
      data: { requiredCapabilities },
    }),
  };
}

/** -32602, HTTP 400: a required per-request `_meta` field is missing or malformed (basic/index.mdx). */
export function invalidRequestMeta(id: RequestId | undefined, key: string, problem: string): ModernRejection {
  return {
    httpStatus: 400,
    response: errorResponse(id, {
      code: INVALID_PARAMS,
      message: `Invalid params: _meta["${key}"] ${problem}`,
      data: { meta: key, problem },
    }),
  };
}
