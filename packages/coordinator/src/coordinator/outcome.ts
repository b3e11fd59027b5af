/** What `MCPCoordinator.handle` gives back for one client message. */

import type { JsonRpcErrorResponse, JsonRpcMessage, JsonRpcResponse } from '../jsonrpc/types.ts';
import type { CallerClaims } from '../policy/access-policy.ts';

export type Outcome =
  /** One response. `sessionId` is set by a successful `initialize`: the new front session. */
  | {
      kind: 'response';
      message: JsonRpcResponse;
      sessionId?: string;
      /** The HTTP status the answer calls for when it is not 200 (2026-07-28 rules: 400, 404). */
      httpStatus?: number;
    }
  /** A notification or a client's response was taken; nothing to send back (HTTP 202). */
  | { kind: 'accepted' }
  /**
   * Messages for this request as they happen (`notifications/progress`, …), ending with its
   * response; a stream whose request the client cancelled ends without one.
   */
  | { kind: 'stream'; messages: AsyncIterable<JsonRpcMessage> }
  /** No session with that id for this principal, or none given (HTTP 404 / 400). */
  | { kind: 'session-not-found'; message: JsonRpcErrorResponse };

/** Who sends a message, as the front door established it. */
export interface HandleContext {
  /** The front session (`Mcp-Session-Id`); absent only for `initialize`. */
  sessionId?: string;
  /** The authenticated principal; `null` for an anonymous client. Sessions are bound to it. */
  principal: string | null;
  /** What this request's token says of the caller (client id, groups, scopes): the access policy reads it. */
  claims?: CallerClaims;
}

/** Who sends a 2026-07-28 request (there is no session). */
export interface ModernContext {
  /** The authenticated principal; `null` for an anonymous client. */
  principal: string | null;
  /** What this request's token says of the caller (client id, groups, scopes): the access policy reads it. */
  claims?: CallerClaims;
  /** What keeps this client's requests on one worker of a shared backend (see `affinity.key`); `null`: nothing. */
  affinityKey: string | null;
  /** The request's HTTP headers by name (case-insensitive), when it came over HTTP: `Mcp-Param-*` are checked. */
  header?: (name: string) => string | null;
}

/** The response a stream ends with, or `undefined` when it ended without one (cancelled). */
export async function finalResponse(outcome: Outcome): Promise<JsonRpcResponse | undefined> {
  if (outcome.kind === 'response' || outcome.kind === 'session-not-found') return outcome.message;
  if (outcome.kind === 'accepted') return undefined;
  let last: JsonRpcResponse | undefined;
  for await (const m of outcome.messages) {
    if (!('method' in m)) last = m;
  }
  return last;
}
