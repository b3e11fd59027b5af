/**
 * A 2026 client's `subscriptions/listen` request: within the per-session bound, a stream (`Listens`)
 * of list changes, task status and the resources it asked for — each subscribed on the backend
 * that owns it (as a routed `resources/subscribe`, when the policy lets the caller use it) and
 * unsubscribed there when the stream ends.
 */
import { JSONRPC_VERSION, type JsonObject, type JsonRpcRequest, type RequestId } from '../jsonrpc/types.ts';
import type { CallerClaims } from '../policy/access-policy.ts';
import type { Listens } from './listens.ts';
import { finalResponse, type Outcome } from './outcome.ts';
import type { PolicyGate } from './policy-gate.ts';
import type { NameResolver } from './resolution.ts';
import { subscriptionKey } from './server-notices.ts';
import type { FrontSession } from './sessions.ts';
import { askedTaskIds, metaDeclaresTasks, missingTasksExtension } from './tasks/task-wire.ts';

export interface ListenRequestsOptions {
  listens: Pick<Listens, 'countOf' | 'listen'>;
  /** Open streams of one session, at most (`listensPerSession`). */
  maxPerSession: number;
  /** The answer past `maxPerSession` (429, `LIMIT_REACHED`). */
  tooMany: (id: RequestId) => Outcome;
  resolver: Pick<NameResolver, 'uri'>;
  policy: Pick<PolicyGate, 'allows' | 'subjectOf'>;
  /** Sends `request`, with the backend's own URI in `params`, to `backend`. */
  route: (
    session: FrontSession,
    request: JsonRpcRequest,
    backend: string,
    params: JsonObject,
    started: number,
  ) => Outcome;
  now: () => number;
  /** A fresh internal request id. */
  nextId: () => string;
  /** Of the task ids a listen asks for, those it may hear of. */
  tasks: (session: FrontSession, asked: readonly string[]) => Promise<string[]>;
  onError?: ((error: unknown) => void) | undefined;
}

export class ListenRequests {
  constructor(private readonly options: ListenRequestsOptions) {}

  /** A 2026 `subscriptions/listen`: list changes, and resources subscribed on their backends. */
  async listen(
    session: FrontSession,
    request: JsonRpcRequest,
    claims: CallerClaims | undefined,
  ): Promise<Outcome> {
    const { listens, resolver, policy, route } = this.options;
    if (listens.countOf(session.id) >= this.options.maxPerSession) return this.options.tooMany(request.id);
    // Task status notifications need the tasks extension (-32021 without it).
    if (askedTaskIds(request.params).length > 0 && !metaDeclaresTasks(request.params))
      return { kind: 'response', message: missingTasksExtension(request), httpStatus: 400 };
    const resubscribe = (
      method: 'resources/subscribe' | 'resources/unsubscribe',
      backend: string,
      uri: string,
    ) =>
      finalResponse(
        route(
          session,
          { jsonrpc: JSONRPC_VERSION, id: this.options.nextId(), method, params: { uri } },
          backend,
          { uri },
          this.options.now(),
        ),
      );
    const stream = await listens.listen(session.id, request.id, request.params, {
      subscribe: async (frontUri) => {
        const owner = await resolver.uri(session, frontUri);
        if (!owner) return undefined;
        const target = { kind: 'resource', backend: owner.backend, name: owner.uri } as const;
        if (!policy.allows(policy.subjectOf(session.principal, request, claims), target)) return undefined;
        const answer = await resubscribe('resources/subscribe', owner.backend, owner.uri);
        return answer && 'result' in answer ? subscriptionKey(owner.backend, owner.uri) : undefined;
      },
      unsubscribe: (key) => {
        const [backend = '', uri = ''] = key.split('\u0000');
        void resubscribe('resources/unsubscribe', backend, uri).catch((e) => this.options.onError?.(e));
      },
      tasks: (asked) => this.options.tasks(session, asked),
    });
    return { kind: 'stream', messages: stream };
  }
}
