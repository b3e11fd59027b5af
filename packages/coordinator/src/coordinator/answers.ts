/**
 * The gateway's own answers to a routed request — the backend cannot take it, admission refused
 * it, the backend needed a capability the client did not declare — and how an answer reads in the
 * audit trail. Pure functions: the call life cycle (`call.ts`) and the
 * name resolution before it both answer with them.
 */
import type { AuditOutcome } from '@switchyard/journal';
import { MISSING_REQUIRED_CLIENT_CAPABILITY } from '../era/modern/codes.ts';
import { INTERNAL_ERROR } from '../jsonrpc/codes.ts';
import { errorResponse } from '../jsonrpc/responses.ts';
import {
  isJsonRpcErrorResponse,
  type JsonRpcErrorResponse,
  type JsonRpcResponse,
  type RequestId,
} from '../jsonrpc/types.ts';

/** The fast answer when the backend that owns a request cannot take it. */
export function backendUnavailable(
  id: RequestId,
  backend: string,
  reason: string,
  retry?: { retryAfterMs: number; state: string },
): JsonRpcErrorResponse {
  return errorResponse(id, {
    code: INTERNAL_ERROR,
    message: `Backend "${backend}" is unavailable: ${reason}`,
    data: retry
      ? { backend, reason, circuit: retry.state, retryAfterMs: retry.retryAfterMs }
      : { backend, reason },
  });
}

/** A refusal that says when to come back (multi-tier's `BackendCircuitOpenError`): its figures. */
export function retryAfterOf(e: unknown): { retryAfterMs: number; state: string } | undefined {
  if (!(e instanceof Error) || e.name !== 'BackendCircuitOpenError') return undefined;
  const { retryAfterMs, state } = e as Error & { retryAfterMs?: unknown; state?: unknown };
  return typeof retryAfterMs === 'number' && typeof state === 'string' ? { retryAfterMs, state } : undefined;
}

/** A refusal for want of room in the backend (multi-tier's `BackendOverloadedError`). */
export function overloadOf(e: unknown): boolean {
  return e instanceof Error && e.name === 'BackendOverloadedError';
}

/** The fast answer when admission refuses a request (the front door maps it to 503 + `Retry-After`). */
export function overloaded(id: RequestId, backend: string, reason: string): JsonRpcErrorResponse {
  return errorResponse(id, {
    code: INTERNAL_ERROR,
    message: `Backend "${backend}" is overloaded: ${reason}`,
    data: { backend, reason, overloaded: true },
  });
}

/**
 * A 2026 call that failed after its backend asked for a capability the client did not declare:
 * -32021 naming those (basic/index, "Per-request protocol fields": a request that needs an
 * undeclared capability MUST get MissingRequiredClientCapability). A call the backend completed
 * without them (it did without) keeps its answer.
 */
export function missingCapability(message: JsonRpcResponse, missing: ReadonlySet<string>): JsonRpcResponse {
  const failed = 'error' in message || message.result.isError === true;
  if (!failed) return message;
  const names = [...missing];
  return errorResponse(message.id, {
    code: MISSING_REQUIRED_CLIENT_CAPABILITY,
    message: `The request needs the client's ${names.join(', ')} capability, which it did not declare`,
    data: { requiredCapabilities: Object.fromEntries(names.map((n) => [n, {}])) },
  });
}

/** How an answer reads in the audit trail: a JSON-RPC error or a tool's `isError` is an error. */
export function outcomeOf(message: JsonRpcResponse): AuditOutcome {
  if (isJsonRpcErrorResponse(message)) return 'error';
  return message.result.isError === true ? 'error' : 'ok';
}
