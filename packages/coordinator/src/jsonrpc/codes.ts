/**
 * JSON-RPC error codes the coordinator sends or recognises.
 *
 * The first five are JSON-RPC 2.0's own. `-32000` … `-32099` is the implementation-defined range;
 * MCP 2025-11-25 uses two codes in it (below), and the TypeScript SDK two more that peers meet in
 * practice. MCP 2026-07-28 retires `-32002` (resource not found becomes `-32602`) and `-32042`;
 * `legacy-versions.ts` says which code each revision expects.
 */

/** Invalid JSON was received. */
export const PARSE_ERROR = -32700;
/** The JSON sent is not a valid request object (wrong `jsonrpc`, bad id, empty batch, …). */
export const INVALID_REQUEST = -32600;
/** The method does not exist or is not available. */
export const METHOD_NOT_FOUND = -32601;
/** Invalid method parameters (including an invalid cursor, an unknown tool, oversized params). */
export const INVALID_PARAMS = -32602;
/** Internal JSON-RPC error. */
export const INTERNAL_ERROR = -32603;

/** MCP ≤ 2025-11-25 (`server/resources`, "Error Handling"): the resource does not exist. */
export const RESOURCE_NOT_FOUND = -32002;
/** MCP 2025-11-25 (`client/elicitation`): the request needs a URL-mode elicitation first. */
export const URL_ELICITATION_REQUIRED = -32042;

/** The TypeScript SDK's code for a connection closed under a pending request (not in the spec). */
export const CONNECTION_CLOSED = -32000;
/** The TypeScript SDK's code for a request that timed out (not in the spec). */
export const REQUEST_TIMEOUT = -32001;
/**
 * Switchyard's (server-error range): a bound was reached — sessions, listens, requests waiting for
 * the client. `data.limit` names the bound and `data.max` its value.
 */
export const LIMIT_REACHED = -32050;
/**
 * Switchyard's: a session restored after the gateway restarted calls a per-session or
 * per-principal backend whose worker — and the state it kept for the session — ended with the
 * previous process. Said once per backend (the next call gets a fresh worker); `data.backend`
 * names it.
 */
export const SESSION_STATE_LOST = -32051;
/**
 * Switchyard's: the access policy does not let this caller use the tool, prompt or resource it
 * named (`switchyard.policy`). The message names the rule; `data.rule` is its id (`null`: no rule
 * allowed it and the policy's default is deny), `data.kind` and `data.name` the item.
 */
export const POLICY_DENIED = -32052;
/**
 * Switchyard's: the journal's store (the cluster's Redis) cannot be reached to read the session
 * back, so whether it exists is not known. Sent with HTTP 503 and `Retry-After`, never as "session
 * not found" (a 404 makes a 2025 client drop a session that may be fine).
 */
export const SESSION_STORE_UNAVAILABLE = -32053;
