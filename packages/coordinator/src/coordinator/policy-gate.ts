/**
 * The access policy where lists and calls flow: a merged list seen through one caller's eyes (the
 * items it may not use left out, in a new result: the cached merged list is shared by every caller
 * of the worker scope and is never changed), and the refusal of a call it may not make.
 */
import { POLICY_DENIED } from '../jsonrpc/codes.ts';
import { errorResponse } from '../jsonrpc/responses.ts';
import type { JsonObject, JsonRpcErrorResponse, RequestId } from '../jsonrpc/types.ts';
import type {
  AccessPolicy,
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
