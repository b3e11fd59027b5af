/**
 * Tasks a backend runs itself (MCP 2025-11-25: its `tasks` capability for `tools/call`). The
 * client's task-augmented call is forwarded with its `task`; the backend answers with a task of its
 * own, on the worker that took the call. The client never sees that task's id: it holds the
 * gateway's task, owned by its principal like any other, and the gateway keeps, per gateway task,
 * the backend worker and the backend's id (`RemoteTask`) — so the backend's ids are namespaced by
 * the worker that made them, and no principal can name another's (a shared worker's `tasks/list`,
 * which shows every principal's tasks, is never relayed). The gateway waits for the backend's
 * `tasks/result` itself and holds the outcome as for a task it runs (journal, TTL, bounds); a live
 * `tasks/get` asks the backend; `tasks/cancel` is sent on to it.
 */
import { INTERNAL_ERROR } from '../../jsonrpc/codes.ts';
import { isJsonObject, type JsonObject } from '../../jsonrpc/types.ts';
import type { TaskOutcome, TaskStatus } from './task-store.ts';
import { RELATED_TASK_META_KEY } from './task-wire.ts';

/** What of a backend worker a forwarded task uses. */
export interface TaskWorker {
  readonly backend: string;
  readonly isClosed: boolean;
  /** A request of the gateway's own; the result, or a rejection saying why not. */
  request(method: string, params: JsonObject | undefined, timeoutMs: number): Promise<JsonObject>;
}

/** A backend's task behind a gateway task: the worker that runs it, and the backend's id for it. */
export interface RemoteTask {
  readonly worker: TaskWorker;
  readonly taskId: string;
}

/** The task id of a backend's `CreateTaskResult`, if `result` is one. */
export function createdTaskId(result: JsonObject): string | undefined {
  const task = result.task;
  return isJsonObject(task) && typeof task.taskId === 'string' ? task.taskId : undefined;
}

/** A status a backend says its task has, if it is one a task has before it ends. */
export function liveStatus(status: unknown): 'working' | 'input_required' | undefined {
  return status === 'working' || status === 'input_required' ? status : undefined;
}

export class BackendTasks {
  /** Gateway task → the backend's task, once the backend made it. */
  private readonly remotes = new Map<string, RemoteTask>();
  /** Gateway tasks whose forwarded call runs: the id of the worker it ended on, once it has. */
  private readonly pending = new Map<string, string | undefined>();

  /** @param askTimeoutMs how long a `tasks/get` or `tasks/cancel` to a backend may take. */
  constructor(private readonly askTimeoutMs = 10_000) {}

  /** `taskId`'s call is forwarded with its `task`: remember the worker it ends on. */
  expect(taskId: string): void {
    this.pending.set(taskId, undefined);
  }

  /** The call of gateway task `taskId` ended on worker `workerId`. */
  ranOn(taskId: string, workerId: string): void {
    if (this.pending.has(taskId)) this.pending.set(taskId, workerId);
  }

  /** The worker `taskId`'s forwarded call ended on, once (it is forgotten here). */
  takeWorkerId(taskId: string): string | undefined {
    const id = this.pending.get(taskId);
    this.pending.delete(taskId);
    return id;
  }

  /** The backend runs `taskId` as its own task `remoteId` on `worker`. */
  bind(taskId: string, remoteId: string, worker: TaskWorker): RemoteTask {
    const remote = { worker, taskId: remoteId };
    this.remotes.set(taskId, remote);
    return remote;
  }

  get(taskId: string): RemoteTask | undefined {
    return this.remotes.get(taskId);
  }

  /** The gateway task behind the backend's task `remoteId` on `worker`, if the gateway holds one. */
  gatewayIdOf(worker: unknown, remoteId: string): string | undefined {
    for (const [taskId, remote] of this.remotes)
      if (remote.worker === worker && remote.taskId === remoteId) return taskId;
    return undefined;
  }

  forget(taskId: string): void {
    this.pending.delete(taskId);
    this.remotes.delete(taskId);
  }

  /**
   * Waits (at most `timeoutMs`) for the backend's `tasks/result`: the call's result (without the
   * backend's task id), or an error saying why there is none.
   */
  async result(remote: RemoteTask, timeoutMs: number): Promise<TaskOutcome> {
    try {
      const result = await remote.worker.request('tasks/result', { taskId: remote.taskId }, timeoutMs);
      return { kind: 'result', result: withoutRelatedTask(result) };
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return {
        kind: 'error',
        error: { code: INTERNAL_ERROR, message: `the backend's task did not give a result: ${why}` },
      };
    }
  }

  /** The backend's live status of the task (`working` or `input_required`), if it answers so. */
  async status(remote: RemoteTask): Promise<{ status: TaskStatus; statusMessage?: string } | undefined> {
    try {
      const got = await remote.worker.request('tasks/get', { taskId: remote.taskId }, this.askTimeoutMs);
      const status = liveStatus(got.status);
      if (status === undefined) return undefined;
      return {
        status,
        ...(typeof got.statusMessage === 'string' && { statusMessage: got.statusMessage }),
      };
    } catch {
      return undefined;
    }
  }

  /** Tells the backend to cancel its task; a refusal (it has ended, its worker is gone) changes nothing. */
  async cancel(remote: RemoteTask): Promise<void> {
    if (remote.worker.isClosed) return;
    await remote.worker.request('tasks/cancel', { taskId: remote.taskId }, this.askTimeoutMs).catch(() => {});
  }
}

/** A backend's result without its `related-task` (the backend's id; the gateway adds its own). */
function withoutRelatedTask(result: JsonObject): JsonObject {
  if (!isJsonObject(result._meta) || !(RELATED_TASK_META_KEY in result._meta)) return result;
  const { [RELATED_TASK_META_KEY]: _, ...meta } = result._meta;
  const { _meta, ...rest } = result;
  return Object.keys(meta).length > 0 ? { ...rest, _meta: meta } : rest;
}
