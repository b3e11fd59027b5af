/**
 * The tasks the gateway runs for its clients (MCP 2025-11-25, "Tasks", experimental): one record
 * per task-augmented request, owned by the principal that made it, kept until its TTL from
 * creation has passed. Pure bookkeeping with an injected clock: the call itself runs elsewhere
 * (`GatewayTasks`), which settles the record once with how the call ended.
 *
 * A task's life is a small state machine: `working` ─settle─▶ `completed` | `failed` | `cancelled`;
 * a terminal status never changes. Bounds: tasks held per principal (a refusal names the bound),
 * the TTL (a longer request is cut to the cap; the task says the TTL it got), the size of a held
 * result (a larger one fails the task with `LIMIT_REACHED`).
 */
import { LIMIT_REACHED } from '../../jsonrpc/codes.ts';
import type { JsonObject, JsonRpcErrorObject } from '../../jsonrpc/types.ts';

export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

/** Terminal statuses: nothing changes a task after one. */
export function isTerminal(status: TaskStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** How a task ended: the request's result, its JSON-RPC error, or a cancel. */
export type TaskOutcome =
  | { readonly kind: 'result'; readonly result: JsonObject }
  | { readonly kind: 'error'; readonly error: JsonRpcErrorObject };

export interface TaskRecord {
  readonly taskId: string;
  /** The principal that created it (`null`: anonymous); no other may see it. */
  readonly owner: string | null;
  /** The front session it was created in: status notifications go there. */
  readonly sessionId: string;
  /** The request it runs (`tools/call`). */
  readonly method: string;
  status: TaskStatus;
  statusMessage: string | undefined;
  /** ms, the store's clock. */
  readonly createdAt: number;
  lastUpdatedAt: number;
  /** Retention from creation, ms. */
  readonly ttlMs: number;
  /** Set once the task is terminal (a cancel holds an error saying so). */
  outcome: TaskOutcome | undefined;
}

export interface TaskBounds {
  /** Tasks one principal may hold (working or kept for their result). */
  tasksPerPrincipal: number;
  /** The longest TTL a task gets, ms; a request for more (or none) gets this. */
  taskTtlMs: number;
  /** The largest result (JSON, bytes) a task holds; a larger one fails the task. */
  taskResultBytes: number;
  /** The polling interval suggested to clients, ms. */
  pollIntervalMs: number;
}

export const DEFAULT_TASK_BOUNDS: Readonly<TaskBounds> = {
  tasksPerPrincipal: 100,
  taskTtlMs: 60 * 60_000,
  taskResultBytes: 1024 * 1024,
  pollIntervalMs: 1_000,
};

export interface TaskStoreOptions {
  bounds?: Partial<TaskBounds>;
  now?: () => number;
  newId?: () => string;
  /** Told of each status change, terminal or not (not of expiry). */
  onStatus?: (task: TaskRecord) => void;
}

export type CreateAnswer =
  | { readonly kind: 'created'; readonly task: TaskRecord }
  | { readonly kind: 'refused'; readonly limit: 'tasksPerPrincipal'; readonly max: number };

export class TaskStore {
  readonly bounds: Readonly<TaskBounds>;
  private readonly byId = new Map<string, TaskRecord>();
  private readonly waiters = new Map<string, Set<(task: TaskRecord | undefined) => void>>();
  /** The store's clock, ms. */
  readonly now: () => number;
  private readonly newId: () => string;

  constructor(private readonly options: TaskStoreOptions = {}) {
    this.bounds = { ...DEFAULT_TASK_BOUNDS, ...options.bounds };
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? (() => crypto.randomUUID());
  }

  /** How many tasks the store holds (expired ones are dropped first). */
  get size(): number {
    this.sweep();
    return this.byId.size;
  }

  /**
   * A new `working` task for `owner`, or a refusal when it holds `tasksPerPrincipal` already.
   * `requestedTtlMs`: the client's wish; the task gets at most the cap. `taskId`: one from
   * `newTaskId` whose call started before its task was made (else a new one).
   */
  create(
    owner: string | null,
    sessionId: string,
    method: string,
    requestedTtlMs?: number,
    taskId?: string,
  ): CreateAnswer {
    this.sweep();
    const held = this.heldBy(owner);
    const max = this.bounds.tasksPerPrincipal;
    if (held >= max) return { kind: 'refused', limit: 'tasksPerPrincipal', max };
    const at = this.now();
    const ttlMs = Math.min(requestedTtlMs ?? this.bounds.taskTtlMs, this.bounds.taskTtlMs);
    const task: TaskRecord = {
      taskId: taskId ?? this.newId(),
      owner,
      sessionId,
      method,
      status: 'working',
      statusMessage: undefined,
      createdAt: at,
      lastUpdatedAt: at,
      ttlMs,
      outcome: undefined,
    };
    this.byId.set(task.taskId, task);
    return { kind: 'created', task };
  }

  /** The task, if it exists, has not expired, and `owner` created it (else undefined: not found). */
  get(taskId: string, owner: string | null): TaskRecord | undefined {
    const task = this.byId.get(taskId);
    if (!task) return undefined;
    if (this.expired(task)) {
      this.drop(task);
      return undefined;
    }
    return task.owner === owner ? task : undefined;
  }

  /** `owner`'s tasks, oldest first. */
  list(owner: string | null): TaskRecord[] {
    this.sweep();
    return [...this.byId.values()].filter((t) => t.owner === owner);
  }

  /**
   * Ends a working task with `outcome` (`completed` for a result, `failed` for an error, or
   * `cancelled`); false if it is gone or already terminal. A result larger than `taskResultBytes`
   * fails the task with `LIMIT_REACHED` instead.
   */
  settle(
    taskId: string,
    status: 'completed' | 'failed' | 'cancelled',
    outcome: TaskOutcome,
    message?: string,
  ): boolean {
    const task = this.byId.get(taskId);
    if (!task || isTerminal(task.status)) return false;
    let end = { status, outcome, message };
    if (outcome.kind === 'result') {
      const bytes = new TextEncoder().encode(JSON.stringify(outcome.result)).length;
      const max = this.bounds.taskResultBytes;
      if (bytes > max) {
        const words = `the task's result is ${bytes} bytes, more than a task may hold (limit taskResultBytes: ${max})`;
        end = {
          status: 'failed',
          outcome: {
            kind: 'error',
            error: { code: LIMIT_REACHED, message: words, data: { limit: 'taskResultBytes', max } },
          },
          message: words,
        };
      }
    }
    task.status = end.status;
    task.outcome = end.outcome;
    task.statusMessage = end.message;
    task.lastUpdatedAt = this.now();
    this.options.onStatus?.(task);
    this.wake(task.taskId, task);
    return true;
  }

  /**
   * A working task waits for its client's input (`input_required`), or has it and works on
   * (`working`), or says something new of it (`message`); false if it is gone, terminal, or
   * already so.
   */
  setStatus(taskId: string, status: 'working' | 'input_required', message?: string): boolean {
    const task = this.byId.get(taskId);
    if (!task || isTerminal(task.status)) return false;
    if (task.status === status && (message === undefined || task.statusMessage === message)) return false;
    task.status = status;
    task.statusMessage = message;
    task.lastUpdatedAt = this.now();
    this.options.onStatus?.(task);
    return true;
  }

  /**
   * Resolves with the task once it is terminal (at once if it is), or with `undefined` if it
   * expires first or `signal` aborts.
   */
  whenTerminal(taskId: string, owner: string | null, signal?: AbortSignal): Promise<TaskRecord | undefined> {
    const task = this.get(taskId, owner);
    if (!task || isTerminal(task.status)) return Promise.resolve(task);
    if (signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiters = this.waiters.get(taskId) ?? new Set();
      this.waiters.set(taskId, waiters);
      const done = (t: TaskRecord | undefined) => {
        waiters.delete(done);
        signal?.removeEventListener('abort', aborted);
        resolve(t);
      };
      const aborted = () => done(undefined);
      waiters.add(done);
      signal?.addEventListener('abort', aborted, { once: true });
    });
  }

  /**
   * Takes back a task read from the journal (written by this or an earlier process); false when it
   * has expired. One already held stays as it is.
   */
  adopt(task: TaskRecord): boolean {
    if (this.byId.has(task.taskId)) return true;
    if (this.expired(task)) return false;
    this.byId.set(task.taskId, task);
    return true;
  }

  /** Drops a task that never started (its call was refused before it ran). */
  forget(taskId: string): void {
    const task = this.byId.get(taskId);
    if (task) this.drop(task);
  }

  /** Drops the tasks whose TTL has passed; gives them back (a working one's call is the caller's to stop). */
  sweep(): TaskRecord[] {
    const gone = [...this.byId.values()].filter((t) => this.expired(t));
    for (const task of gone) this.drop(task);
    return gone;
  }

  /** Whether `task`'s TTL from its creation has passed (by the store's clock). */
  expired(task: TaskRecord): boolean {
    return this.now() >= task.createdAt + task.ttlMs;
  }

  /** An id for a task not made yet (its call runs first: see `create`). */
  newTaskId(): string {
    return this.newId();
  }

  /** How many tasks `owner` holds. */
  heldBy(owner: string | null): number {
    let n = 0;
    for (const t of this.byId.values()) if (t.owner === owner) n++;
    return n;
  }

  private drop(task: TaskRecord): void {
    this.byId.delete(task.taskId);
    this.wake(task.taskId, undefined);
  }

  private wake(taskId: string, task: TaskRecord | undefined): void {
    const waiters = this.waiters.get(taskId);
    if (!waiters) return;
    this.waiters.delete(taskId);
    for (const w of [...waiters]) w(task);
  }
}
