/**
 * The 2025 front: a message of a 2025-era client (2025-03-26 … 2025-11-25) as one call of the
 * routing core. `initialize` opens a front session (answered with the backends' handshakes
 * merged); every other message names its session (`Mcp-Session-Id`), read back from the journal
 * when another process held it; notifications (`initialized`, `cancelled`) and the client's
 * answers to a backend's requests are taken here; a request goes to the routing core, and its
 * outcome is the 2025 answer as it is. It sees the coordinator only through `LegacyFrontParts`.
 */
import type { Implementation } from '../aggregate/initialize.ts';
import { mergeInitializeResult } from '../aggregate/initialize.ts';
import { legacyRevisionRules, negotiateLegacyVersion } from '../era/legacy-versions.ts';
import { INVALID_REQUEST, SESSION_STORE_UNAVAILABLE } from '../jsonrpc/codes.ts';
import { MessageParser } from '../jsonrpc/parse.ts';
import { errorResponse, invalidParams, invalidRequest, resultResponse } from '../jsonrpc/responses.ts';
import {
  isJsonObject,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from '../jsonrpc/types.ts';
import type { Naming } from '../naming/naming.ts';
import type { CallerClaims } from '../policy/access-policy.ts';
import type { AuditEnd } from './audit-trail.ts';
import type { BackendFleet } from './backend-fleet.ts';
import type { HandleContext, Outcome } from './outcome.ts';
import type { Restored } from './session-restore.ts';
import type { FrontSession, SessionTable } from './sessions.ts';
import { TASKS_CAPABILITY } from './tasks/task-wire.ts';

/** What the 2025 front needs of the coordinator: sessions, the backends' handshakes, the routing core. */
export interface LegacyFrontParts {
  readonly sessions: Pick<SessionTable, 'get' | 'add' | 'newId'>;
  /** A session this process does not hold, read back from the journal. */
  restore(sessionId: string, principal: string | null): Promise<Restored>;
  /** The routing core: one request of `session`, answered here or routed to its backend. */
  request(session: FrontSession, request: JsonRpcRequest, claims: CallerClaims | undefined): Promise<Outcome>;
  /** The client answered a backend's request relayed to it. */
  answered(session: FrontSession, message: JsonRpcResponse): void;
  /** A new session refused at a bound (429 for the principal's, 503 for the gateway's); else undefined. */
  refuseSession(id: RequestId | undefined, principal: string | null): Outcome | undefined;
  /** The answer when a session cannot be read back: the gateway holds as many as it may (503). */
  full(id: RequestId | undefined): Outcome;
  /** The backends' handshakes, as `session` sees them. */
  backends: BackendFleet['initializeInfos'];
  naming(): Naming;
  readonly serverInfo: Implementation;
  /** The gateway's own words, before the backends' instructions. */
  readonly instructions: string | undefined;
  /** Journals a new session's record (a failed write is the caller's to report). */
  created(session: FrontSession): Promise<void>;
  /** The audit trail of requests answered here. */
  record(end: AuditEnd): void;
  now(): number;
}

export class LegacyFront {
  private readonly parser = new MessageParser({ allowBatch: false });

  constructor(private readonly parts: LegacyFrontParts) {}

  /** One client message (parsed JSON; batches are split by the front door). */
  async handle(message: unknown, context: HandleContext): Promise<Outcome> {
    const parsed = this.parser.classify(message);
    if (parsed.kind === 'rejected') return { kind: 'response', message: parsed.error };
    if (parsed.kind !== 'single')
      return { kind: 'response', message: invalidRequest(undefined, 'one message at a time') };
    const entry = parsed.entry;
    if (entry.kind === 'invalid')
      return entry.reply ? { kind: 'response', message: entry.error } : { kind: 'accepted' };

    if (entry.kind === 'request' && entry.message.method === 'initialize') {
      if (context.sessionId !== undefined) {
        return {
          kind: 'response',
          message: invalidRequest(entry.message.id, 'this session is already initialized'),
        };
      }
      return this.initialize(entry.message, context.principal);
    }
    const id = entry.kind === 'request' ? entry.message.id : undefined;
    let session =
      context.sessionId === undefined
        ? undefined
        : this.parts.sessions.get(context.sessionId, context.principal);
    if (!session && context.sessionId !== undefined) {
      const restored = await this.parts.restore(context.sessionId, context.principal);
      if (restored === 'full') return this.parts.full(id);
      if (restored === 'unavailable') return storeUnavailable(id);
      session = restored;
    }
    if (!session) {
      const words = context.sessionId === undefined ? 'a session id is required' : 'session not found';
      return {
        kind: 'session-not-found',
        message: errorResponse(id, { code: INVALID_REQUEST, message: words }),
      };
    }
    session.lastSeenAt = this.parts.now();
    if (entry.kind === 'notification') {
      notification(session, entry.message);
      return { kind: 'accepted' };
    }
    if (entry.kind === 'response') {
      this.parts.answered(session, entry.message);
      return { kind: 'accepted' };
    }
    return this.parts.request(session, entry.message, context.claims);
  }

  /** `initialize`: a new front session, answered with the backends' handshakes merged. */
  private async initialize(request: JsonRpcRequest, principal: string | null): Promise<Outcome> {
    const params = request.params ?? {};
    if (typeof params.protocolVersion !== 'string') {
      return { kind: 'response', message: invalidParams(request.id, 'protocolVersion must be a string') };
    }
    const refused = this.parts.refuseSession(request.id, principal);
    if (refused) return refused;
    const { sessions, serverInfo, instructions } = this.parts;
    const protocolVersion = negotiateLegacyVersion(params.protocolVersion);
    const clientInfo = isJsonObject(params.clientInfo) ? (params.clientInfo as Implementation) : undefined;
    const session = sessions.add({
      id: sessions.newId(),
      principal,
      protocolVersion,
      clientInfo,
      clientCapabilities: isJsonObject(params.capabilities) ? params.capabilities : {},
      era: 'legacy',
      lastSeenAt: this.parts.now(),
    });
    const started = this.parts.now();
    const backends = await this.parts.backends(session);
    const result = mergeInitializeResult(this.parts.naming(), {
      protocolVersion,
      serverInfo,
      ...(instructions !== undefined && { preamble: instructions }),
      backends,
    });
    // The gateway runs any tool call as a task itself (`GatewayTasks`), whatever its backends offer.
    if (legacyRevisionRules(protocolVersion).tasks && result.capabilities.tools)
      result.capabilities.tasks = TASKS_CAPABILITY;
    await this.parts.created(session);
    this.parts.record({ session, method: 'initialize', name: null, backend: null, started, outcome: 'ok' });
    return { kind: 'response', message: resultResponse(request.id, { ...result }), sessionId: session.id };
  }
}

/** A 2025 client's notification: `initialized` marks the session, `cancelled` ends its request. */
function notification(session: FrontSession, message: JsonRpcNotification): void {
  if (message.method === 'notifications/initialized') {
    session.initialized = true;
  } else if (message.method === 'notifications/cancelled') {
    const requestId = message.params?.requestId;
    if (typeof requestId !== 'string' && typeof requestId !== 'number') return;
    const reason = message.params?.reason;
    session.inflight.get(requestId)?.abandon('cancelled', typeof reason === 'string' ? reason : 'cancelled');
  }
  // notifications/roots/list_changed and others: nothing to do yet.
}

/** The answer when the journal's store (Redis) cannot be reached to read a session back: HTTP 503. */
function storeUnavailable(id: RequestId | undefined): Outcome {
  return {
    kind: 'response',
    httpStatus: 503,
    message: errorResponse(id, {
      code: SESSION_STORE_UNAVAILABLE,
      message: 'the session store cannot be reached; retry shortly',
    }),
  };
}
