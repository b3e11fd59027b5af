/**
 * Tasks as MCP 2025-11-25 writes them (schema.ts: `Task`, `CreateTaskResult`,
 * `notifications/tasks/status`, the `tasks` server capability), and the opaque cursor of
 * `tasks/list`.
 */
import { decodeBase64Url, encodeBase64Url } from '../../base64url.ts';
import { MISSING_REQUIRED_CLIENT_CAPABILITY } from '../../era/modern/codes.ts';
import { CLIENT_CAPABILITIES_META_KEY } from '../../era/modern/meta-keys.ts';
import { errorResponse } from '../../jsonrpc/responses.ts';
import type {
  JsonObject,
  JsonRpcNotification,
  JsonRpcRequest,
  JsonRpcResponse,
} from '../../jsonrpc/types.ts';
import { isJsonObject, JSONRPC_VERSION } from '../../jsonrpc/types.ts';
import { capabilitiesOf } from '../modern.ts';
import type { TaskRecord } from './task-store.ts';

/** `_meta` key that ties a message to its task. */
export const RELATED_TASK_META_KEY = 'io.modelcontextprotocol/related-task';

/** The fields both eras' task objects share, in their wire order. */
function taskFields(task: TaskRecord): JsonObject {
  return {
    taskId: task.taskId,
    status: task.status,
    ...(task.statusMessage !== undefined && { statusMessage: task.statusMessage }),
    createdAt: new Date(task.createdAt).toISOString(),
    lastUpdatedAt: new Date(task.lastUpdatedAt).toISOString(),
  };
}

/** The spec's `Task` object. */
export function wireTask(task: TaskRecord, pollIntervalMs: number): JsonObject {
  return { ...taskFields(task), ttl: task.ttlMs, pollInterval: pollIntervalMs };
}

/** The tasks extension's id (2026-07-28, SEP-2663). */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/**
 * The extension's methods the gateway answers. `tasks/update` (input for a task waiting for it) is
 * refused: a task the gateway runs never waits for input.
 */
export const MODERN_TASK_METHODS: ReadonlySet<string> = new Set([
  'tasks/get',
  'tasks/cancel',
  'tasks/update',
]);

/** A task as the 2026-07-28 tasks extension writes it: `ttlMs` and `pollIntervalMs`. */
export function wireTaskModern(task: TaskRecord, pollIntervalMs: number): JsonObject {
  return { ...taskFields(task), ttlMs: task.ttlMs, pollIntervalMs };
}

/** Whether a routed 2026 request's client declared the tasks extension (in its request's capabilities). */
export function declaresTasks(request: JsonRpcRequest): boolean {
  const extensions = capabilitiesOf(request)?.extensions;
  return isJsonObject(extensions) && isJsonObject(extensions[TASKS_EXTENSION]);
}

/**
 * A 2026 `tools/call` loses the 2025-11-25 `task` param it may still carry: the tasks extension
 * has the server decide (SEP-2663: tolerated, never a reason to make a task), and a backend that
 * does not run tasks itself refuses a call that carries it.
 */
export function dropLegacyTask(request: JsonRpcRequest): void {
  if (request.params && 'task' in request.params) delete request.params.task;
}

/** -32021 for a task method whose request did not declare the extension (SEP-2575, SEP-2663). */
export function missingTasksExtension(request: JsonRpcRequest): JsonRpcResponse {
  return errorResponse(request.id, {
    code: MISSING_REQUIRED_CLIENT_CAPABILITY,
    message: `${request.method} needs the client's ${TASKS_EXTENSION} extension, which it did not declare`,
    data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
  });
}

/** The 2026 tasks extension's status notification (on a `subscriptions/listen` stream). */
export const MODERN_TASK_STATUS = 'notifications/tasks';

/** The task ids a `subscriptions/listen` asks status notifications for (`notifications.taskIds`). */
export function askedTaskIds(params: JsonObject | undefined): string[] {
  const asked = isJsonObject(params?.notifications) ? params.notifications.taskIds : undefined;
  return Array.isArray(asked) ? [...new Set(asked.filter((id): id is string => typeof id === 'string'))] : [];
}

/** Whether a 2026 request's own `_meta` declares the tasks extension (before it is routed). */
export function metaDeclaresTasks(params: JsonObject | undefined): boolean {
  const meta = isJsonObject(params?._meta) ? params._meta : {};
  const capabilities = meta[CLIENT_CAPABILITIES_META_KEY];
  const extensions = isJsonObject(capabilities) ? capabilities.extensions : undefined;
  return isJsonObject(extensions) && isJsonObject(extensions[TASKS_EXTENSION]);
}

/** `notifications/tasks/status` for the task's current status. */
export function statusNotification(task: TaskRecord, pollIntervalMs: number): JsonRpcNotification {
  return {
    jsonrpc: JSONRPC_VERSION,
    method: 'notifications/tasks/status',
    params: wireTask(task, pollIntervalMs),
  };
}

/** The server capability: tasks/list, tasks/cancel, and task-augmented `tools/call`. */
export const TASKS_CAPABILITY: JsonObject = Object.freeze({
  list: {},
  cancel: {},
  requests: { tools: { call: {} } },
});

/**
 * A `tools/list` page as a 2025-11-25 client sees it from the gateway: the gateway runs any call as
 * a task itself (the backend sees a plain call), so a tool its server marks `forbidden` (the SDK's
 * default: the server runs no tasks) or leaves unmarked is `execution.taskSupport: "optional"`;
 * `optional` and `required` are kept.
 */
export function withTaskSupport(page: JsonRpcResponse): JsonRpcResponse {
  if (!('result' in page) || !Array.isArray(page.result.tools)) return page;
  const tools = page.result.tools.map((tool: unknown) => {
    if (!isJsonObject(tool)) return tool;
    const execution = isJsonObject(tool.execution) ? tool.execution : {};
    if (execution.taskSupport === 'optional' || execution.taskSupport === 'required') return tool;
    return { ...tool, execution: { ...execution, taskSupport: 'optional' } };
  });
  return { ...page, result: { ...page.result, tools } };
}

const CURSOR_PREFIX = 't1:';

/** The `tasks/list` cursor after `taskId`. */
export function taskCursor(taskId: string): string {
  return encodeBase64Url(new TextEncoder().encode(CURSOR_PREFIX + taskId));
}

/** The task id a cursor continues after, or undefined when it is not one of ours. */
export function cursorTaskId(cursor: string): string | undefined {
  const bytes = decodeBase64Url(cursor);
  if (!bytes) return undefined;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return text.startsWith(CURSOR_PREFIX) && text.length > CURSOR_PREFIX.length
      ? text.slice(CURSOR_PREFIX.length)
      : undefined;
  } catch {
    return undefined;
  }
}
