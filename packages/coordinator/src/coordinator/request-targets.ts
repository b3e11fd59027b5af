/**
 * Where a named request goes: the backend that owns the tool or prompt name (`tools/call`,
 * `prompts/get`), the resource URI (`resources/read`, `subscribe`, `unsubscribe`) or the completion
 * reference (`completion/complete`) — with the policy's word on it and the backend's own name or
 * URI in its params — then routed. A request that cannot go is answered here, and audited.
 */
import { checkParamHeaders } from '../era/modern/param-headers.ts';
import { INVALID_PARAMS, RESOURCE_NOT_FOUND } from '../jsonrpc/codes.ts';
import { errorResponse, invalidParams } from '../jsonrpc/responses.ts';
import {
  isJsonObject,
  type JsonObject,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from '../jsonrpc/types.ts';
import type { PolicySubject } from '../policy/access-policy.ts';
import { backendUnavailable } from './answers.ts';
import type { AuditTrail } from './audit-trail.ts';
import { LISTS } from './backend-fleet.ts';
import { headersOf } from './modern.ts';
import type { Outcome } from './outcome.ts';
import type { PolicyGate } from './policy-gate.ts';
import type { NameResolver, NameRoute } from './resolution.ts';
import { subscriptionKey } from './server-notices.ts';
import type { FrontSession, SessionTable } from './sessions.ts';

export interface RequestTargetsOptions {
  resolver: Pick<NameResolver, 'named' | 'uri' | 'resourceRef'>;
  policy: Pick<PolicyGate, 'refused'>;
  trail: Pick<AuditTrail, 'record'>;
  sessions: Pick<SessionTable, 'subscribe' | 'unsubscribe'>;
  /** A 2025 session's resource subscriptions changed (for its journal record). */
  subscriptionsChanged: (session: FrontSession) => void;
  /** Sends `request`, with the backend's own name or URI in `params`, to `backend`. */
  route: (
    session: FrontSession,
    request: JsonRpcRequest,
    backend: string,
    params: JsonObject,
    started: number,
    retrySafe?: boolean,
  ) => Outcome;
}

export class RequestTargets {
  constructor(private readonly options: RequestTargetsOptions) {}

  /** `message` answers `request` before it reached a backend: audited as `rejected`. */
  #rejected(
    session: FrontSession,
    request: JsonRpcRequest,
    started: number,
    name: string | null,
    message: JsonRpcResponse,
    backend: string | null = null,
  ): Outcome {
    this.options.trail.record({
      session,
      method: request.method,
      name,
      backend,
      started,
      outcome: 'rejected',
      response: message,
      request,
    });
    return { kind: 'response', message };
  }

  /** `tools/call`, `prompts/get`: to the backend owning the name. */
  async callNamed(
    session: FrontSession,
    request: JsonRpcRequest,
    started: number,
    subject: PolicySubject,
    /** The owner of `params.name`, when the caller has just resolved it. */
    resolved?: NameRoute,
  ): Promise<Outcome> {
    const name = request.params?.name;
    const spec = request.method === 'tools/call' ? LISTS['tools/list']! : LISTS['prompts/list']!;
    const what = request.method === 'tools/call' ? 'tool' : 'prompt';
    const fail = (message: JsonRpcResponse, backend: string | null = null): Outcome =>
      this.#rejected(session, request, started, typeof name === 'string' ? name : null, message, backend);
    if (typeof name !== 'string') return fail(invalidParams(request.id, 'name must be a string'));
    const owner = resolved ?? (await this.options.resolver.named(session, spec, name));
    if (owner.kind === 'down') {
      return fail(backendUnavailable(request.id, owner.backend, owner.reason), owner.backend);
    }
    if (owner.kind === 'unknown') {
      return fail(errorResponse(request.id, { code: INVALID_PARAMS, message: `Unknown ${what}: ${name}` }));
    }
    const target = { kind: what, backend: owner.backend, name: owner.name } as const;
    const refused = this.options.policy.refused(request, subject, target);
    if (refused) return fail(refused, owner.backend);
    const listed = owner.listed;
    const header = headersOf(request);
    if (header && request.method === 'tools/call') {
      const rejected = checkParamHeaders(request.id, listed?.inputSchema, request.params?.arguments, header);
      if (rejected) {
        fail(rejected.response);
        return { kind: 'response', message: rejected.response, httpStatus: rejected.httpStatus };
      }
    }
    // A tool that says it is read-only or idempotent may be tried again on another worker.
    const retrySafe =
      request.method === 'tools/call' &&
      (listed?.annotations?.readOnlyHint === true || listed?.annotations?.idempotentHint === true);
    return this.options.route(
      session,
      request,
      owner.backend,
      { ...request.params, name: owner.name },
      started,
      retrySafe,
    );
  }

  /** `resources/read`, `resources/subscribe`, `resources/unsubscribe`: to the backend owning the URI. */
  async routeByUri(
    session: FrontSession,
    request: JsonRpcRequest,
    started: number,
    subject: PolicySubject,
  ): Promise<Outcome> {
    const uri = request.params?.uri;
    const reject = (message: JsonRpcResponse): Outcome =>
      this.#rejected(session, request, started, typeof uri === 'string' ? uri : null, message);
    if (typeof uri !== 'string') return reject(invalidParams(request.id, 'uri must be a string'));
    const owner = await this.options.resolver.uri(session, uri);
    if (!owner) {
      return reject(
        errorResponse(request.id, {
          code: RESOURCE_NOT_FOUND,
          message: `Resource not found: ${uri}`,
          data: { uri },
        }),
      );
    }
    if (request.method !== 'resources/unsubscribe') {
      const target = { kind: 'resource', backend: owner.backend, name: owner.uri } as const;
      const refused = this.options.policy.refused(request, subject, target);
      if (refused) return reject(refused);
    }
    const key = subscriptionKey(owner.backend, owner.uri);
    if (request.method === 'resources/subscribe') this.options.sessions.subscribe(session, key, uri);
    if (request.method === 'resources/unsubscribe') this.options.sessions.unsubscribe(session, key);
    if (request.method !== 'resources/read' && session.era === 'legacy')
      this.options.subscriptionsChanged(session);
    return this.options.route(
      session,
      request,
      owner.backend,
      { ...request.params, uri: owner.uri },
      started,
    );
  }

  /** `completion/complete`: to the backend of the prompt or resource (template) it refers to. */
  async complete(
    session: FrontSession,
    request: JsonRpcRequest,
    started: number,
    subject: PolicySubject,
  ): Promise<Outcome> {
    const ref = request.params?.ref;
    const reject = (message: JsonRpcResponse): Outcome =>
      this.#rejected(session, request, started, null, message);
    if (!isJsonObject(ref)) return reject(invalidParams(request.id, 'ref must be an object'));
    if (ref.type === 'ref/prompt' && typeof ref.name === 'string') {
      const owner = await this.options.resolver.named(session, LISTS['prompts/list']!, ref.name);
      if (owner.kind !== 'owned') return reject(invalidParams(request.id, `Unknown prompt: ${ref.name}`));
      const target = { kind: 'prompt', backend: owner.backend, name: owner.name } as const;
      const refused = this.options.policy.refused(request, subject, target);
      if (refused) return reject(refused);
      const params = { ...request.params, ref: { ...ref, name: owner.name } };
      return this.options.route(session, request, owner.backend, params, started);
    }
    if (ref.type === 'ref/resource' && typeof ref.uri === 'string') {
      const uri = ref.uri;
      const owner = await this.options.resolver.resourceRef(session, uri);
      if (!owner) return reject(invalidParams(request.id, `Unknown resource or template: ${uri}`));
      const refused = this.options.policy.refused(request, subject, {
        kind: 'resource',
        backend: owner.backend,
        name: uri,
      });
      if (refused) return reject(refused);
      return this.options.route(session, request, owner.backend, request.params ?? {}, started);
    }
    return reject(
      invalidParams(request.id, 'ref must be { type: "ref/prompt", name } or { type: "ref/resource", uri }'),
    );
  }
}
