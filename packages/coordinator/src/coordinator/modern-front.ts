/**
 * The 2026 front: a 2026-07-28 request (stateless: no session, no handshake) as one call of the
 * routing core. Its `_meta` and method are checked (-32602 / -32601 with HTTP 400 / 404, as the
 * revision says); requests of one affinity key share a stand-in session, so they reach the same
 * worker of a shared backend while it lives; `server/discover` is answered here, a
 * `subscriptions/listen` opens a listen; anything else goes to the routing core under an id of the
 * gateway's own (independent clients may reuse ids), and the core's outcome becomes the 2026 answer
 * (`modernOutcome`: `resultType`, `serverInfo`, cache hints, the client's own id). It sees the
 * coordinator only through `ModernFrontParts`.
 */
import type { Implementation } from '../aggregate/initialize.ts';
import { LATEST_LEGACY_PROTOCOL_VERSION } from '../era/legacy-versions.ts';
import { mergeDiscoverResult } from '../era/modern/discover.ts';
import { decorateListResult } from '../era/modern/list-meta.ts';
import {
  CLIENT_CAPABILITIES_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  requestMeta,
} from '../era/modern/meta-keys.ts';
import { MessageParser } from '../jsonrpc/parse.ts';
import { invalidParams, invalidRequest, methodNotFound, resultResponse } from '../jsonrpc/responses.ts';
import { isJsonObject, type JsonObject, type JsonRpcRequest, type RequestId } from '../jsonrpc/types.ts';
import type { Naming } from '../naming/naming.ts';
import { ownEntry } from '../own.ts';
import type { CallerClaims } from '../policy/access-policy.ts';
import type { AuditEnd } from './audit-trail.ts';
import { type BackendFleet, LISTS } from './backend-fleet.ts';
import { MODERN_CLIENT_METHODS, MRTR_METHODS, modernOutcome, routedModern } from './modern.ts';
import type { ModernContext, Outcome } from './outcome.ts';
import { malformedField } from './request-shape.ts';
import type { FrontSession, SessionTable } from './sessions.ts';
import { TASKS_EXTENSION } from './tasks/task-wire.ts';

/** What the 2026 front needs of the coordinator: stand-in sessions, the backends' handshakes, the routing core. */
export interface ModernFrontParts {
  readonly sessions: Pick<SessionTable, 'get' | 'add'>;
  /** A new stand-in refused at a bound (429 for the principal's, 503 for the gateway's); else undefined. */
  refuseSession(id: RequestId, principal: string | null): Outcome | undefined;
  /** A stand-in without an affinity key: its requests keep to no worker of a shared backend. */
  looseAffinity(sessionId: string): void;
  /**
   * The routing core: one request of `session`, answered here or routed to its backend (its
   * fields are shape-checked already).
   */
  request(session: FrontSession, request: JsonRpcRequest, claims: CallerClaims | undefined): Promise<Outcome>;
  /** A retry carrying `requestState`: the parked call (or task) it answers resumes on it. */
  resume(session: FrontSession, request: JsonRpcRequest, requestState: string): Promise<Outcome>;
  /** A `subscriptions/listen`: its stream. */
  listen(session: FrontSession, request: JsonRpcRequest, claims: CallerClaims | undefined): Promise<Outcome>;
  /** The backends' handshakes, as `session` sees them. */
  backends: BackendFleet['initializeInfos'];
  naming(): Naming;
  readonly serverInfo: Implementation;
  /** The gateway's own words, before the backends' instructions. */
  readonly instructions: string | undefined;
  /** How deep a call's `arguments` may nest. */
  readonly argumentDepth: number;
  /** The audit trail of requests answered here. */
  record(end: AuditEnd): void;
  now(): number;
}

export class ModernFront {
  private readonly parser = new MessageParser({ allowBatch: false });
  /** The last internal id given to a 2026 request. */
  private seq = 0;

  constructor(private readonly parts: ModernFrontParts) {}

  /**
   * One 2026-07-28 request. The front door has checked its era and standard headers. Requests of
   * one affinity key (the principal, a header's value, or `null` for none) share a stand-in session.
   */
  async handle(message: unknown, context: ModernContext): Promise<Outcome> {
    const parsed = this.parser.classify(message);
    if (parsed.kind === 'rejected') return { kind: 'response', message: parsed.error };
    if (parsed.kind !== 'single')
      return { kind: 'response', message: invalidRequest(undefined, 'one message per request') };
    const entry = parsed.entry;
    if (entry.kind === 'invalid')
      return entry.reply ? { kind: 'response', message: entry.error } : { kind: 'accepted' };
    if (entry.kind !== 'request') return { kind: 'accepted' };
    const request = entry.message;
    const meta = requestMeta(request.params);
    const capabilities = meta?.[CLIENT_CAPABILITIES_META_KEY];
    if (typeof meta?.[PROTOCOL_VERSION_META_KEY] !== 'string' || !isJsonObject(capabilities)) {
      return {
        kind: 'response',
        httpStatus: 400,
        message: invalidParams(
          request.id,
          `params._meta must carry "${PROTOCOL_VERSION_META_KEY}" and "${CLIENT_CAPABILITIES_META_KEY}"`,
        ),
      };
    }
    if (!MODERN_CLIENT_METHODS.has(request.method)) {
      return { kind: 'response', httpStatus: 404, message: methodNotFound(request.id, request.method) };
    }
    const malformed = malformedField(request, this.parts.argumentDepth);
    if (malformed) return { kind: 'response', httpStatus: 400, message: malformed };
    const session = this.standIn(context, request.id);
    if ('kind' in session) return session;
    const started = this.parts.now();
    session.lastSeenAt = started;
    if (request.method === 'server/discover') return this.discover(session, request, started);
    if (request.method === 'subscriptions/listen') return this.parts.listen(session, request, context.claims);
    // Inside, each request has an id of its own and carries its own capabilities; its answers go
    // out under the client's id.
    const routed = routedModern(request, `modern-${++this.seq}`, capabilities, context.header);
    const requestState = request.params?.requestState;
    const outcome =
      typeof requestState === 'string' && MRTR_METHODS.has(request.method)
        ? await this.parts.resume(session, routed, requestState)
        : await this.parts.request(session, routed, context.claims);
    return modernOutcome(outcome, request.method, this.parts.serverInfo, request.id, (result) =>
      this.decorateList(request.method, result, session),
    );
  }

  /** The stand-in session of a 2026 affinity key (made on its first request, within the bounds). */
  private standIn(context: ModernContext, requestId: RequestId): FrontSession | Outcome {
    const id = standInId(context.principal, context.affinityKey);
    const known = this.parts.sessions.get(id, context.principal);
    if (known) return known;
    const refused = this.parts.refuseSession(requestId, context.principal);
    if (refused) return refused;
    // No affinity key: the requests share this stand-in but keep to no worker of a shared backend.
    if (context.affinityKey === null) this.parts.looseAffinity(id);
    return this.parts.sessions.add({
      id,
      principal: context.principal,
      protocolVersion: LATEST_LEGACY_PROTOCOL_VERSION,
      clientInfo: undefined,
      clientCapabilities: {},
      era: 'modern',
      lastSeenAt: this.parts.now(),
    });
  }

  /** `server/discover`: the backends' handshakes merged, with the tasks extension the gateway runs. */
  private async discover(session: FrontSession, request: JsonRpcRequest, started: number): Promise<Outcome> {
    const { serverInfo, instructions } = this.parts;
    const result = mergeDiscoverResult(this.parts.naming(), {
      serverInfo,
      ...(instructions !== undefined && { preamble: instructions }),
      backends: await this.parts.backends(session),
    });
    // The gateway runs tasks itself (the tasks extension), for the tools whose server marks them.
    if (result.capabilities.tools) {
      const extensions = isJsonObject(result.capabilities.extensions) ? result.capabilities.extensions : {};
      result.capabilities.extensions = { ...extensions, [TASKS_EXTENSION]: {} };
    }
    this.parts.record({ session, method: request.method, name: null, backend: null, started, outcome: 'ok' });
    return { kind: 'response', message: resultResponse(request.id, { ...result }) };
  }

  /** A 2026 list result with its cache hint, from how each backend says its lists change. */
  private async decorateList(method: string, result: JsonObject, session: FrontSession): Promise<JsonObject> {
    const spec = ownEntry(LISTS, method);
    if (!spec) return result;
    const infos = await this.parts.backends(session);
    const freshness = infos.map((o) => {
      const capability = o.ok ? o.value.capabilities[spec.capability] : undefined;
      return { backend: o.backend, listChanged: isJsonObject(capability) && capability.listChanged === true };
    });
    const complete = infos.every((o) => o.ok);
    return decorateListResult(spec.field, result as never, complete ? freshness : [], {
      serverInfo: this.parts.serverInfo,
    }) as unknown as JsonObject;
  }
}

/**
 * The stand-in session of 2026 requests of one principal and affinity key. Each part is
 * length-prefixed (`-` for none), so no two (principal, key) pairs share an id: `svc` + `ci:x`
 * and `svc:ci` + `x` are different sessions.
 */
export function standInId(principal: string | null, affinityKey: string | null): string {
  const part = (v: string | null) => (v === null ? '-' : `${v.length}.${v}`);
  return `modern:${part(principal)}:${part(affinityKey)}`;
}
