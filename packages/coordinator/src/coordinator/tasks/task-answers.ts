/**
 * The answers a task's methods give that are not the task itself: `tasks/result`'s payload, "not
 * found", and the errors a task ends with when its call is cut (cancelled, or its gateway process
 * ended).
 */
import { CONNECTION_CLOSED, INTERNAL_ERROR, LIMIT_REACHED } from '../../jsonrpc/codes.ts';
import { errorResponse, invalidParams, resultResponse } from '../../jsonrpc/responses.ts';
import {
  isJsonObject,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from '../../jsonrpc/types.ts';
import type { TaskRecord, TaskStore } from './task-store.ts';
import { RELATED_TASK_META_KEY } from './task-wire.ts';

/** What `tasks/result` answers for an ended task: the call's result or error, tied to the task. */
export function payload(request: JsonRpcRequest, task: TaskRecord): JsonRpcResponse {
  if (!task.outcome) return notFound(request, task.taskId);
  const related = { [RELATED_TASK_META_KEY]: { taskId: task.taskId } };
  if (task.outcome.kind === 'error') {
    const error = task.outcome.error;
    const data = isJsonObject(error.data) ? { ...error.data, ...related } : (error.data ?? related);
    return errorResponse(request.id, { ...error, data });
  }
  const result = task.outcome.result;
  const meta = isJsonObject(result._meta) ? result._meta : {};
  return resultResponse(request.id, { ...result, _meta: { ...meta, ...related } });
}

/** The refusal of a new task when its principal holds `max` (`tasksPerPrincipal`). */
export function tooMany(id: RequestId, max: number): JsonRpcResponse {
  return errorResponse(id, {
    code: LIMIT_REACHED,
    message: `this principal holds as many tasks as it may; wait for one to expire (limit tasksPerPrincipal: ${max})`,
    data: { limit: 'tasksPerPrincipal', max },
  });
}

/**
 * A request on a task another live gateway node runs, which reached this node and was not forwarded
 * there (a 2026 one is, at the front door): only `tasks/get` is answered here, from the journal.
 */
export function runsElsewhere(request: JsonRpcRequest, taskId: string): JsonRpcResponse {
  return errorResponse(request.id, {
    code: INTERNAL_ERROR,
    message: `Task ${taskId} runs on another gateway node, which this request did not reach; tasks/get answers from here, ${request.method} only there`,
    data: { taskId, 'switchyard/elsewhere': true },
  });
}

export function notFound(request: JsonRpcRequest, taskId: string): JsonRpcResponse {
  return invalidParams(request.id, `Task not found: ${taskId}`, { taskId });
}

/**
 * Ends a working task whose call ended with its gateway process (a stop, a restart, a crash): it
 * failed, and whether its call took effect is unknown (as a request in flight at a restart, the
 * front door's `outcomeUnknown`: -32000 and `switchyard/outcomeUnknown`).
 */
export function settleUnknown(store: TaskStore, taskId: string): void {
  const words =
    'The gateway process running this task ended (a restart or a crash) before its call did: its outcome is unknown. Start it again if it is safe to.';
  store.settle(
    taskId,
    'failed',
    {
      kind: 'error',
      error: { code: CONNECTION_CLOSED, message: words, data: { 'switchyard/outcomeUnknown': true } },
    },
    words,
  );
}

export function cancelledError(taskId: string) {
  return {
    code: INTERNAL_ERROR,
    message: `Task ${taskId} was cancelled`,
    data: { taskId, status: 'cancelled' },
  };
}
