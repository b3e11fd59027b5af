/**
 * Validating what sits inside `params` with zod, and the -32602 answer when it does not fit:
 * `Invalid params: tools/call: name: Invalid input: expected string, received number`, with the
 * issues (path and message each) in `error.data.issues`.
 */
import type { z } from 'zod';
import { describeIssues, type ReadableIssue, readableIssues } from '../issues.ts';
import { invalidParams } from './responses.ts';
import type { JsonObject, JsonRpcErrorResponse, RequestId } from './types.ts';

export type ParamsCheck<T> = { ok: true; params: T } | { ok: false; error: JsonRpcErrorResponse };

/** The part of a request or notification that params validation needs. */
export interface ParamsCarrier {
  id?: RequestId;
  method: string;
  params?: JsonObject;
}

/** Checks `message.params` (absent params count as `{}`) against `schema`. */
export function validateParams<S extends z.ZodType>(
  message: ParamsCarrier,
  schema: S,
): ParamsCheck<z.output<S>> {
  const checked = schema.safeParse(message.params ?? {});
  if (checked.success) return { ok: true, params: checked.data };
  const issues: ReadableIssue[] = readableIssues(checked.error);
  return {
    ok: false,
    error: invalidParams(message.id, `${message.method}: ${describeIssues(issues)}`, { issues }),
  };
}
