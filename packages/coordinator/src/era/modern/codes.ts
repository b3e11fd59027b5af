/**
 * The error codes MCP 2026-07-28 adds, and the HTTP status the spec ties to each.
 *
 * 2026-07-28 splits JSON-RPC's server-error range (basic/index.mdx, "Error Codes"): `-32000` …
 * `-32019` is left to implementations (legacy; no new codes there), `-32020` … `-32099` is the
 * spec's own, and nothing outside the spec may be sent from it. The retired `-32002` and `-32042`
 * must not be sent to a 2026 client (`RETIRED_CODES`); `jsonrpc/codes.ts` keeps them for 2025.
 */
import { METHOD_NOT_FOUND } from '../../jsonrpc/codes.ts';

/** The HTTP headers disagree with the body, or a required header is missing or malformed. */
export const HEADER_MISMATCH = -32020;
/** The request needs a client capability it did not declare in its `_meta`. */
export const MISSING_REQUIRED_CLIENT_CAPABILITY = -32021;
/** The request's protocol version is not one the server serves; `data.supported` lists those it does. */
export const UNSUPPORTED_PROTOCOL_VERSION = -32022;

/** Codes of 2025 revisions that a 2026-07-28 server must not send (resource not found is -32602 now). */
export const RETIRED_CODES: readonly number[] = [-32002, -32042];

/** The sub-range reserved for codes the MCP specification defines. */
export const SPEC_RESERVED_CODES = { min: -32099, max: -32020 } as const;

/**
 * The HTTP status the spec names for an error on Streamable HTTP: 400 for -32020, -32021 and -32022
 * (schema.ts, each error's doc comment; transports/streamable-http.mdx), 404 for an unknown method
 * (streamable-http.mdx, "Protocol Version Header"). Other codes are not tied to a status.
 */
export const HTTP_STATUS_OF_CODE: ReadonlyMap<number, number> = new Map([
  [HEADER_MISMATCH, 400],
  [MISSING_REQUIRED_CLIENT_CAPABILITY, 400],
  [UNSUPPORTED_PROTOCOL_VERSION, 400],
  [METHOD_NOT_FOUND, 404],
]);
