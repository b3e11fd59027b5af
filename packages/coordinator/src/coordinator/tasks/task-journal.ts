/**
 * Tasks in the journal, so a task and its result outlive the gateway's process. Each task is a
 * stream of the journal's (`task:<id>`) whose events are the task's record as it was created and
 * as it ended (the newest is the task); each principal has an index stream (`tasks-of:<principal>`)
 * naming its tasks. The journal's streams are kept by every driver (SQLite, memory, Redis: then
 * every node of a cluster reads them), and the journal's retention applies to them: a retention
 * shorter than a task's TTL forgets the task sooner.
 */
import type { Journal } from '@switchyard/journal';
import { encodeBase64Url } from '../../base64url.ts';
import { isJsonObject } from '../../jsonrpc/types.ts';
import type { TaskOutcome, TaskRecord, TaskStatus } from './task-store.ts';

/** Where tasks are written and read back. */
export interface TaskLog {
  /** Writes the task as it is now (created, or ended). Never throws: a failed write is reported. */
  write(task: TaskRecord, created: boolean): Promise<void>;
  /** The task's newest record, if the journal holds it. */
  read(taskId: string): Promise<TaskRecord | undefined>;
  /** The ids of `owner`'s tasks, oldest first (some may be gone or another's: check each). */
  idsOf(owner: string | null): Promise<string[]>;
}

const STATUSES: ReadonlySet<string> = new Set([
  'working',
  'input_required',
  'completed',
  'failed',
  'cancelled',
]);
const MOST_TASKS_READ = 10_000;

function taskStream(taskId: string): string {
  return `task:${taskId}`;
}

/** The owner's index stream: its name in base64url (cut to fit a stream id; a clash only adds ids). */
function ownerStream(owner: string | null): string {
  const name = owner === null ? '-' : `p${encodeBase64Url(new TextEncoder().encode(owner))}`;
  return `tasks-of:${name}`.slice(0, 256);
}

function parseRecord(data: string): TaskRecord | undefined {
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!isJsonObject(v) || v.v !== 1) return undefined;
  const {
    taskId,
    owner,
    sessionId,
    method,
    status,
    statusMessage,
    createdAt,
    lastUpdatedAt,
    ttlMs,
    outcome,
  } = v;
  if (typeof taskId !== 'string' || (owner !== null && typeof owner !== 'string')) return undefined;
  if (typeof sessionId !== 'string' || typeof method !== 'string') return undefined;
  if (typeof status !== 'string' || !STATUSES.has(status)) return undefined;
  if (typeof createdAt !== 'number' || typeof lastUpdatedAt !== 'number' || typeof ttlMs !== 'number')
    return undefined;
  const ended =
    isJsonObject(outcome) &&
    ((outcome.kind === 'result' && isJsonObject(outcome.result)) ||
      (outcome.kind === 'error' && isJsonObject(outcome.error)))
      ? (outcome as unknown as TaskOutcome)
      : undefined;
  return {
    taskId,
    owner,
    sessionId,
    method,
    status: status as TaskStatus,
    statusMessage: typeof statusMessage === 'string' ? statusMessage : undefined,
    createdAt,
    lastUpdatedAt,
    ttlMs,
    outcome: ended,
  };
}

export class JournalTaskLog implements TaskLog {
  constructor(
    private readonly journal: Journal,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  async write(task: TaskRecord, created: boolean): Promise<void> {
    try {
      await this.journal.append(taskStream(task.taskId), JSON.stringify({ v: 1, ...task }));
      if (created) await this.journal.append(ownerStream(task.owner), task.taskId);
    } catch (e) {
      this.onError(e);
    }
  }

  async read(taskId: string): Promise<TaskRecord | undefined> {
    try {
      const events = await this.journal.readAfter(taskStream(taskId));
      const last = events.at(-1);
      return last && parseRecord(last.data);
    } catch (e) {
      this.onError(e);
      return undefined;
    }
  }

  async idsOf(owner: string | null): Promise<string[]> {
    try {
      const events = await this.journal.readAfter(ownerStream(owner), undefined, { limit: MOST_TASKS_READ });
      return events.map((e) => e.data);
    } catch (e) {
      this.onError(e);
      return [];
    }
  }
}
