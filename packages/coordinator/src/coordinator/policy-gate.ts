/**
 * The access policy where lists and calls flow: a merged list seen through one caller's eyes (the
 * items it may not use left out, in a new result: the cached merged list is shared by every caller
 * of the worker scope and is never changed), and the refusal of a call it may not make. `PolicyGate`
 * holds the policy in force and notes each decision for the request's audit entry.
 */
import { POLICY_DENIED } from '../jsonrpc/codes.ts';
import { errorResponse } from '../jsonrpc/responses.ts';
import type { JsonObject, JsonRpcErrorResponse, JsonRpcRequest, RequestId } from '../jsonrpc/types.ts';
import type {
  AccessPolicy,
  CallerClaims,
  PolicyDecision,
  PolicyItemKind,
  PolicySubject,
  PolicyTarget,
} from '../policy/access-policy.ts';
import type { ListSpec, Merged } from './backend-fleet.ts';

const KIND_OF: Readonly<Record<ListSpec['kind'], PolicyItemKind>> = {
  tools: 'tool',
  prompts: 'prompt',
  resources: 'resource',
  resourceTemplates: 'resourceTemplate',
};

/** The target behind one listed item, or `undefined` when its owner cannot be told (then it is hidden). */
function targetOf(spec: ListSpec, merged: Merged, item: unknown): PolicyTarget | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const entry = item as { name?: unknown; uri?: unknown; uriTemplate?: unknown };
  const kind = KIND_OF[spec.kind];
  if (kind === 'resource') {
    const owner = typeof entry.uri === 'string' ? merged.uris?.resolve(entry.uri) : undefined;
    return owner && { kind, backend: owner.backend, name: owner.uri };
  }
  const owner = typeof entry.name === 'string' ? merged.names?.resolve(entry.name) : undefined;
  if (!owner) return undefined;
  if (kind !== 'resourceTemplate') return { kind, backend: owner.backend, name: owner.name };
  return typeof entry.uriTemplate === 'string'
    ? { kind, backend: owner.backend, name: entry.uriTemplate }
    : undefined;
}

/** `merged`'s result with only the items `subject` may use. */
export function visibleList(
  policy: AccessPolicy,
  subject: PolicySubject,
  spec: ListSpec,
  merged: Merged,
): JsonObject {
  const items = merged.result[spec.field];
  if (!Array.isArray(items)) return merged.result;
  const visible = items.filter((item) => {
    const target = targetOf(spec, merged, item);
    return target !== undefined && policy.decide(subject, target).allowed;
  });
  return visible.length === items.length ? merged.result : { ...merged.result, [spec.field]: visible };
}

/** The answer to a call the policy denied. */
export function policyDenied(
  id: RequestId,
  target: PolicyTarget,
  decision: Extract<PolicyDecision, { allowed: false }>,
): JsonRpcErrorResponse {
  return errorResponse(id, {
    code: POLICY_DENIED,
    message: `Forbidden: ${decision.reason}`,
    data: { rule: decision.rule, kind: target.kind, backend: target.backend, name: target.name },
  });
}

/** Where the gate notes, for a request's audit entry, who asked and what the policy said. */
export interface PolicyNotes {
  noteCaller(request: JsonRpcRequest, clientId: string): void;
  noteDecision(request: JsonRpcRequest, decision: 'allowed' | 'denied', rule: string | null): void;
}

/** The access policy in force (none: everything is allowed and no decision is noted). */
export class PolicyGate {
  constructor(
    private policy: AccessPolicy | undefined,
    private readonly notes: PolicyNotes,
  ) {}

  /** Puts another policy in force (or none), from the next question on. */
  set(policy: AccessPolicy | undefined): void {
    this.policy = policy;
  }

  /** Who asks, as the policy sees it; the request's client id is noted for its audit entry. */
  subjectOf(
    principal: string | null,
    request: JsonRpcRequest,
    claims: CallerClaims | undefined,
  ): PolicySubject {
    if (claims?.clientId !== undefined) this.notes.noteCaller(request, claims.clientId);
    return { ...claims, principal };
  }

  /** The policy's word on `target`, noted for the request's audit entry: its refusal, or nothing. */
  refused(
    request: JsonRpcRequest,
    subject: PolicySubject,
    target: PolicyTarget,
  ): JsonRpcErrorResponse | undefined {
    const policy = this.policy;
    if (!policy) return undefined;
    const decision = policy.decide(subject, target);
    this.notes.noteDecision(request, decision.allowed ? 'allowed' : 'denied', decision.rule);
    return decision.allowed ? undefined : policyDenied(request.id, target, decision);
  }

  /** Whether `subject` may use `target` (asked without noting: nothing is audited). */
  allows(subject: PolicySubject, target: PolicyTarget): boolean {
    return this.policy?.decide(subject, target).allowed !== false;
  }

  /** What of a merged list `subject` is shown; undefined (all of it) without a policy. */
  listView(subject: PolicySubject, spec: ListSpec): ((merged: Merged) => JsonObject) | undefined {
    const policy = this.policy;
    return policy && ((merged) => visibleList(policy, subject, spec, merged));
  }
}
