/**
 * Gateway-run tasks (MCP 2025-11-25, "Tasks", experimental): a task-augmented `tools/call` is
 * answered at once with a `CreateTaskResult`; the call runs on the coordinator's ordinary path
 * under an id of the gateway's own, and how it ends is held in the `TaskStore` for `tasks/get`,
 * `tasks/result` (which waits for the end), `tasks/list` and `tasks/cancel` (which stops the
 * backend call). Every task is its creating principal's alone: another principal's id is "not
 * found", exactly as an id that never existed. Status changes are sent to the creating session as
 * `notifications/tasks/status` while it is here; the call's own notifications (progress) and
 * requests (sampling, elicitation) go to that session's stream as server messages.
 */
import { INTERNAL_ERROR } from '../../jsonrpc/codes.ts';
import { errorResponse, invalidParams, resultResponse } from '../../jsonrpc/responses.ts';
import {
  isJsonObject,
  type JsonObject,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from '../../jsonrpc/types.ts';
import type { CallerClaims } from '../../policy/access-policy.ts';
import { DEFAULT_INPUT_WAIT_MS } from '../input-parking.ts';
import { MessageStream } from '../message-stream.ts';
import { capabilitiesOf, headersOf, withCapabilities } from '../modern.ts';
import type { Outcome } from '../outcome.ts';
import type { FrontSession } from '../sessions.ts';
import { BackendTasks, createdTaskId, liveStatus, type TaskWorker } from './backend-tasks.ts';
import { cancelledError, notFound, payload, runsElsewhere, settleUnknown, tooMany } from './task-answers.ts';
import { TaskAsks } from './task-asks.ts';
import { DEFAULT_TASK_DECISION_MS, firstAct, isInputRequired } from './task-decision.ts';
import { type GatheringCall, TaskGathering } from './task-gathering.ts';
import { TaskInputs } from './task-inputs.ts';
import type { TaskLog } from './task-journal.ts';
import { isTerminal, type TaskRecord, type TaskStore } from './task-store.ts';
import {
  cursorTaskId,
  declaresTasks,
  missingTasksExtension,
  RELATED_TASK_META_KEY,
  statusNotification,
  taskCursor,
  wireTask,
  wireTaskModern,
} from './task-wire.ts';

/** What the coordinator lends the tasks. */
export interface TaskHost {
  /** Runs `inner` (the client's request under the task's own id, without `task`) as any call of `session`. */
  run(session: FrontSession, inner: JsonRpcRequest, claims: CallerClaims | undefined): Promise<Outcome>;
  /** The live session `sessionId` of `owner`, if this process holds it. */
  session(sessionId: string, owner: string | null): FrontSession | undefined;
  /** What the server of tool `name` says of tasks (`execution.taskSupport`), as `session` sees it listed. */
  taskSupport(session: FrontSession, name: string): Promise<string | undefined>;
  /**
   * Whether the server of tool `name` runs it as a task itself: it declares the `tasks` capability
   * for `tools/call` and lists the tool `optional` or `required`. Then the call is forwarded with its
   * `task` (`BackendTasks`).
   */
  forwards(session: FrontSession, name: string): Promise<boolean>;
  /**
   * A 2026 retry of a call parked for its client's input (`requestState`, `inputResponses` in its
   * params): the call's stream from here on, or the refusal.
   */
  resume(session: FrontSession, request: JsonRpcRequest, requestState: string): Outcome;
  /**
   * A lease for `session` on backend worker `workerId` (where a forwarded task's call ran), held
   * while its backend runs the task (a worker's messages go out only under a lease); undefined
   * when that worker is gone or not the one the lease would give.
   */
  hold(session: FrontSession, workerId: string): Promise<HeldWorker | undefined>;
  /**
   * Task `taskId` changed: `detailed` (the task as 2026 `tasks/get` gives it) goes to the 2026
   * `subscriptions/listen` streams that asked for it (`notifications/tasks`).
   */
  announce(taskId: string, detailed: JsonObject): void;
}

/**
 * Several gateway nodes share the journal (`GatewayTasks.cluster`): each names itself in the ids of
 * the tasks it makes, a task another live node runs is read from the journal as it is there (never
 * settled here as if its process had ended), and each status change here is passed on so another
 * node's 2026 `subscriptions/listen` hears it.
 */
export interface TaskCluster {
  /** Put before the id of each task this process makes (names this node). */
  readonly tag: string;
  /** Whether task `taskId`, which this process does not run, runs on another node that is alive. */
  runsElsewhere(taskId: string): Promise<boolean>;
  /** Task `taskId` changed here: `detailed` as 2026 `tasks/get` gives it, for the other nodes. */
  changed(taskId: string, detailed: JsonObject): void;
  /**
   * Asks the node running `owner`'s task `taskId` to cancel it (a 2025 session here asked); false
   * when that node could not be asked.
   */
  cancel(taskId: string, owner: string | null): Promise<boolean>;
}

/** How often a `tasks/result` waiting here for a task another node runs reads the journal again, ms (news from that node wakes it sooner). */
const ELSEWHERE_RECHECK_MS = 2_000;
/** The most ids of gone tasks a cluster's `tasks/list` remembers not to read again (then it starts over). */
const MOST_GONE_IDS = 10_000;

/** A backend worker under a lease. */
export interface HeldWorker {
  readonly worker: TaskWorker;
  release(): void;
}

/** A task's call, started. */
interface Started {
  readonly inner: JsonRpcRequest;
  readonly forwarded: boolean;
  readonly messages: AsyncIterable<JsonRpcMessage>;
}

export interface GatewayTasksOptions {
  /** How long a 2026 task-augmented call may take to ask for its input before its task is made, ms. */
  decisionMs?: number;
  /** How long a call asking for its input before its task is made waits for its client's retry, ms. */
  gatherWaitMs?: number;
}

/** The methods a client uses on its tasks. */
export const TASK_METHODS: ReadonlySet<string> = new Set([
  'tasks/get',
  'tasks/result',
  'tasks/list',
  'tasks/cancel',
]);

/** The id a task's call runs under in its session (never one a client's own requests use in practice). */
export function innerRequestId(taskId: string): string {
  return INNER_PREFIX + taskId;
}

const INNER_PREFIX = 'switchyard-task:';

/** The most tasks one `tasks/list` page holds. */
const PAGE_SIZE = 50;

export class GatewayTasks {
  /** Principals whose journaled tasks this process has read back. */
  private readonly loaded = new Set<string | null>();
  /** The tasks this process runs (the others read back from the journal ran in an earlier one). */
  private readonly running = new Set<string>();
  /** Journal writes of status changes not yet done (`close` waits for them). */
  private readonly writing = new Set<Promise<void>>();
  /** The tasks whose backend runs them itself. */
  private readonly backends = new BackendTasks();
  /** 2026 tasks waiting for their client's input (`tasks/update`). */
  private readonly inputs = new TaskInputs();
  /** 2025 tasks whose call asked its client something it has not answered yet. */
  private readonly asks = new TaskAsks();
  /** 2026 calls asking for their input before their task is made. */
  private readonly gathering: TaskGathering;
  private readonly decisionMs: number;
  /** Set when several nodes share the journal. */
  private clustered: TaskCluster | undefined;
  /** Tasks read from the journal that run on another live node (their record as it was read). */
  private readonly elsewhere = new WeakSet<TaskRecord>();
  /** Task ids a cluster's `tasks/list` found gone in the journal (expired, another principal's). */
  private readonly goneIds = new Set<string>();
  /** `tasks/result`s waiting here for tasks other nodes run, by task id: woken by news of them. */
  private readonly awaitingElsewhere = new Map<string, Set<() => void>>();

  constructor(
    private readonly store: TaskStore,
    private readonly host: TaskHost,
    private readonly log?: TaskLog,
    options: GatewayTasksOptions = {},
  ) {
    this.decisionMs = options.decisionMs ?? DEFAULT_TASK_DECISION_MS;
    this.gathering = new TaskGathering(store.now, options.gatherWaitMs ?? DEFAULT_INPUT_WAIT_MS, (call) =>
      this.backends.forget(call.taskId),
    );
  }

  /** Several nodes share the journal: see `TaskCluster`. */
  cluster(cluster: TaskCluster): void {
    this.clustered = cluster;
  }

  /** Task `taskId` changed on another node: a `tasks/result` here waiting for it looks again. */
  changedElsewhere(taskId: string): void {
    for (const wake of this.awaitingElsewhere.get(taskId) ?? []) wake();
  }

  /**
   * `owner`'s task `taskId`, which another node runs, once it has ended there (read from the
   * journal when news of it comes, and every few seconds); undefined when it expired or `signal`
   * aborted. Its node gone meanwhile, it ends here: failed, outcome unknown (`recall`).
   */
  private async endedElsewhere(
    taskId: string,
    owner: string | null,
    signal?: AbortSignal,
  ): Promise<TaskRecord | undefined> {
    const waiters = this.awaitingElsewhere.get(taskId) ?? new Set();
    this.awaitingElsewhere.set(taskId, waiters);
    let wake = () => {};
    const woken = () => wake();
    waiters.add(woken);
    signal?.addEventListener('abort', woken, { once: true });
    try {
      for (;;) {
        const task = await this.find(taskId, owner);
        if (!task || isTerminal(task.status) || signal?.aborted) return signal?.aborted ? undefined : task;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ELSEWHERE_RECHECK_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      waiters.delete(woken);
      if (waiters.size === 0) this.awaitingElsewhere.delete(taskId);
      signal?.removeEventListener('abort', woken);
    }
  }

  /** A new task's id: this node's tag (in a cluster) and the store's new id. */
  private newTaskId(): string {
    return (this.clustered?.tag ?? '') + this.store.newTaskId();
  }

  /**
   * A task's new status (the store's `onStatus`): written to the journal, and told to the creating
   * session if it is here.
   */
  changed(task: TaskRecord): void {
    if (isTerminal(task.status)) {
      this.running.delete(task.taskId);
      this.asks.end(task.taskId);
      this.inputs.end(task.taskId);
    }
    const written = this.log?.write(task, false);
    if (written) {
      this.writing.add(written);
      void written.finally(() => this.writing.delete(written));
    }
    const creator = this.host.session(task.sessionId, task.owner);
    if (creator?.era === 'legacy')
      creator.outbound.push(statusNotification(task, this.store.bounds.pollIntervalMs));
    const detailed = this.detailed(task);
    this.host.announce(task.taskId, detailed);
    this.clustered?.changed(task.taskId, detailed);
  }

  /**
   * A backend's `notifications/tasks/status` for its task `params.taskId` on `worker`: the gateway
   * task behind it takes the status it says (`working`, `input_required`, and its message), which
   * its creator hears under the gateway's id. How it ends comes from the backend's `tasks/result`.
   */
  backendStatus(worker: unknown, params: JsonObject | undefined): void {
    const remoteId = params?.taskId;
    if (typeof remoteId !== 'string') return;
    const taskId = this.backends.gatewayIdOf(worker, remoteId);
    const status = liveStatus(params?.status);
    if (taskId === undefined || status === undefined) return;
    const message = typeof params?.statusMessage === 'string' ? params.statusMessage : undefined;
    this.store.setStatus(taskId, status, message);
  }

  /**
   * The task ids of `asked` a 2026 `subscriptions/listen` of `session` hears (`notifications/tasks`):
   * its principal's tasks that have not ended. Only the first `tasksPerPrincipal` ids are looked at
   * (a principal holds no more).
   */
  async listenable(session: FrontSession, asked: readonly string[]): Promise<string[]> {
    this.stopExpired();
    const agreed: string[] = [];
    for (const taskId of asked.slice(0, this.store.bounds.tasksPerPrincipal)) {
      const task = await this.find(taskId, session.principal);
      if (task && !isTerminal(task.status)) agreed.push(taskId);
    }
    return agreed;
  }

  /** The task as 2026 `tasks/get` and `notifications/tasks` write it: its outcome or open input inlined. */
  private detailed(task: TaskRecord): JsonObject {
    const detailed: JsonObject = wireTaskModern(task, this.store.bounds.pollIntervalMs);
    if (task.status === 'completed' && task.outcome?.kind === 'result') detailed.result = task.outcome.result;
    if (task.status === 'failed' && task.outcome?.kind === 'error') detailed.error = task.outcome.error;
    const open = this.inputs.open(task.taskId);
    if (open && task.status === 'input_required') detailed.inputRequests = open;
    return detailed;
  }

  /**
   * A task-augmented request: refused as the plain call would be (unknown tool, policy, a bound),
   * else its `CreateTaskResult` while the call runs on.
   */
  async start(
    session: FrontSession,
    request: JsonRpcRequest,
    claims?: CallerClaims,
  ): Promise<JsonRpcResponse> {
    const meta = request.params?.task;
    if (!isJsonObject(meta)) return invalidParams(request.id, 'task must be an object ({ ttl? })');
    const ttl = meta.ttl;
    if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isSafeInteger(ttl) || ttl < 1)) {
      return invalidParams(request.id, 'task.ttl must be a whole number of milliseconds, at least 1');
    }
    const begun = await this.begin(session, request, ttl, claims);
    if (!('taskId' in begun)) return begun;
    return resultResponse(request.id, { task: wireTask(begun, this.store.bounds.pollIntervalMs) });
  }

  /**
   * A 2026-07-28 `tools/call` (the tasks extension, SEP-2663): the server decides. A task is made
   * when the request declares the extension and the tool's server marks it `optional` or
   * `required`; its answer is a flat `CreateTaskResult` (`resultType: "task"`). A call that asks
   * its client for input before anything else gets `input_required` first, and its task is made on
   * the retry that brings the answers (`resumeModern`; see `task-decision.ts`). A `required` tool
   * called without the extension is -32021 (HTTP 400). Undefined: no task, the call runs as usual.
   */
  async startModern(
    session: FrontSession,
    request: JsonRpcRequest,
    claims?: CallerClaims,
  ): Promise<Outcome | undefined> {
    const name = request.params?.name;
    if (typeof name !== 'string') return undefined;
    const support = await this.host.taskSupport(session, name);
    if (support !== 'optional' && support !== 'required') return undefined;
    // A tool that runs only as a task, from a client that did not declare the extension: -32021.
    if (!declaresTasks(request))
      return support === 'required'
        ? { kind: 'response', message: missingTasksExtension(request), httpStatus: 400 }
        : undefined;
    this.stopExpired();
    await this.load(session.principal);
    const held = this.store.heldBy(session.principal) + this.gathering.heldBy(session.principal);
    const max = this.store.bounds.tasksPerPrincipal;
    if (held >= max) return { kind: 'response', message: tooMany(request.id, max) };
    const taskId = this.newTaskId();
    const started = await this.startCall(session, request, taskId, this.store.bounds.taskTtlMs, claims);
    if (!('inner' in started)) return { kind: 'response', message: started };
    const call = { taskId, owner: session.principal, inner: started.inner, forwarded: started.forwarded };
    return { kind: 'response', message: await this.decide(session, request.id, call, started.messages) };
  }

  /**
   * A 2026 retry (`requestState`, `inputResponses`) of a task-augmented call that asked for its
   * input before its task was made: the call resumes with the answers and becomes a task (or asks
   * again). Undefined when `requestState` is not such a call's: the retry is an ordinary one.
   */
  async resumeModern(
    session: FrontSession,
    request: JsonRpcRequest,
    requestState: string,
  ): Promise<Outcome | undefined> {
    const call = this.gathering.take(requestState, session.principal);
    if (!call) return undefined;
    // A retry that does not declare the extension gets no task (SEP-2663): a call the gateway runs
    // ends as a plain one; one whose backend makes a task cannot.
    const plain = !declaresTasks(request);
    if (plain && call.forwarded) {
      this.backends.forget(call.taskId);
      session.inflight
        .get(call.inner.id)
        ?.abandon('cancelled', 'the retry did not declare the tasks extension');
      return { kind: 'response', message: missingTasksExtension(request), httpStatus: 400 };
    }
    const outcome = this.host.resume(session, request, requestState);
    if (plain) return outcome;
    if (outcome.kind === 'stream')
      return { kind: 'response', message: await this.decide(session, request.id, call, outcome.messages) };
    // Some answers missing: the call waits on under the same requestState. Else its park is gone.
    if (outcome.kind === 'response' && isInputRequired(outcome.message))
      this.gathering.add(requestState, call);
    else this.backends.forget(call.taskId);
    return outcome;
  }

  /**
   * The call's first act decides (`firstAct`): it asks first — the client gets its
   * `input_required` and the call waits for the retry; else its task is made now.
   */
  private async decide(
    session: FrontSession,
    clientId: RequestId,
    call: GatheringCall,
    messages: AsyncIterable<JsonRpcMessage>,
  ): Promise<JsonRpcResponse> {
    const act = await firstAct(messages, this.decisionMs);
    if (act.kind === 'asks') {
      const requestState = act.answer.result.requestState;
      if (typeof requestState === 'string') this.gathering.add(requestState, call);
      return resultResponse(clientId, act.answer.result);
    }
    const created = this.store.create(call.owner, session.id, call.inner.method, undefined, call.taskId);
    if (created.kind === 'refused') {
      this.backends.forget(call.taskId);
      session.inflight
        .get(call.inner.id)
        ?.abandon('cancelled', 'the principal holds as many tasks as it may');
      return tooMany(clientId, created.max);
    }
    await this.track(session, created.task, call, act.messages);
    return resultResponse(clientId, {
      resultType: 'task',
      ...wireTaskModern(created.task, this.store.bounds.pollIntervalMs),
    });
  }

  /** Makes the task and starts its call; the task, or the refusal the client gets. */
  private async begin(
    session: FrontSession,
    request: JsonRpcRequest,
    ttl: number | undefined,
    claims: CallerClaims | undefined,
  ): Promise<TaskRecord | JsonRpcResponse> {
    this.stopExpired();
    await this.load(session.principal);
    const created = this.store.create(session.principal, session.id, request.method, ttl, this.newTaskId());
    if (created.kind === 'refused') return tooMany(request.id, created.max);
    const task = created.task;
    let started: Started | JsonRpcResponse;
    try {
      started = await this.startCall(session, request, task.taskId, task.ttlMs, claims);
    } catch (e) {
      this.store.forget(task.taskId);
      throw e;
    }
    if (!('inner' in started)) {
      this.store.forget(task.taskId);
      return started;
    }
    const call = {
      taskId: task.taskId,
      owner: task.owner,
      inner: started.inner,
      forwarded: started.forwarded,
    };
    await this.track(session, task, call, started.messages);
    return task;
  }

  /**
   * Starts the call of task `taskId` (the client's request under the task's own id, without
   * `task`); a backend that runs tasks itself gets the task, with the TTL the gateway grants. The
   * call's stream, or the refusal the client gets when it could not start.
   */
  private async startCall(
    session: FrontSession,
    request: JsonRpcRequest,
    taskId: string,
    ttlMs: number,
    claims: CallerClaims | undefined,
  ): Promise<Started | JsonRpcResponse> {
    const { task: _, ...params } = request.params ?? {};
    const name = params.name;
    const forwarded = typeof name === 'string' && (await this.host.forwards(session, name));
    if (forwarded) {
      params.task = { ttl: ttlMs };
      this.backends.expect(taskId);
    }
    const inner: JsonRpcRequest = { ...request, id: innerRequestId(taskId), params };
    const capabilities = capabilitiesOf(request);
    if (capabilities) withCapabilities(inner, capabilities, headersOf(request));
    let outcome: Outcome;
    try {
      outcome = await this.host.run(session, inner, claims);
    } catch (e) {
      this.backends.forget(taskId);
      throw e;
    }
    if (outcome.kind === 'stream') return { inner, forwarded, messages: outcome.messages };
    // Refused before it ran: the client gets the refusal, no task is kept.
    this.backends.forget(taskId);
    const message = outcome.kind === 'accepted' ? undefined : outcome.message;
    return message && 'error' in message
      ? errorResponse(request.id, message.error)
      : errorResponse(request.id, {
          code: INTERNAL_ERROR,
          message: 'the call could not be started as a task',
        });
  }

  /** The task is made: journaled, and its call followed to its end. */
  private async track(
    session: FrontSession,
    task: TaskRecord,
    call: GatheringCall,
    messages: AsyncIterable<JsonRpcMessage>,
  ): Promise<void> {
    this.running.add(task.taskId);
    await this.log?.write(task, true);
    void this.follow(session, task, messages, call.forwarded, call.inner);
  }

  /**
   * 2026-07-28 `tasks/get` (the task, with the call's `result` or `error` inlined once it has ended)
   * and `tasks/cancel` (an empty acknowledgement, also for a task already ended).
   */
  async handleModern(session: FrontSession, request: JsonRpcRequest): Promise<JsonRpcResponse> {
    this.stopExpired();
    const owner = session.principal;
    const taskId = request.params?.taskId;
    if (typeof taskId !== 'string') return invalidParams(request.id, 'taskId must be a string');
    const task = await this.find(taskId, owner);
    if (!task) return notFound(request, taskId);
    if (this.elsewhere.has(task) && request.method !== 'tasks/get') return runsElsewhere(request, taskId);
    if (request.method === 'tasks/update') {
      const responses = request.params?.inputResponses;
      if (!isJsonObject(responses)) return invalidParams(request.id, 'inputResponses must be an object');
      if (this.inputs.update(taskId, responses) === 'accepted') return resultResponse(request.id, {});
      return invalidParams(request.id, `Task ${taskId} is not waiting for input`, {
        taskId,
        status: task.status,
      });
    }
    if (request.method === 'tasks/cancel') {
      if (!isTerminal(task.status)) {
        this.cancel(task);
        // Journaled before the answer: another node reads the task next (a cancel it relayed here).
        await Promise.all([...this.writing]);
      }
      return resultResponse(request.id, {});
    }
    return resultResponse(request.id, this.detailed(await this.live(task)));
  }

  /** A call ended on backend worker `workerId`: if it was a forwarded task's, that worker runs the task. */
  ranOn(requestId: unknown, workerId: string): void {
    if (typeof requestId !== 'string' || !requestId.startsWith(INNER_PREFIX)) return;
    this.backends.ranOn(requestId.slice(INNER_PREFIX.length), workerId);
  }

  /**
   * The process is stopping: each task it still runs ends `failed` with an outcome-unknown error
   * (its call is cut with the process; whether it took effect is not known), written to the
   * journal before this resolves, so the next process answers the same.
   */
  async close(): Promise<void> {
    for (const taskId of [...this.running]) settleUnknown(this.store, taskId);
    this.running.clear();
    await Promise.all([...this.writing]);
  }

  /** Forgets the tasks whose TTL has passed and stops the calls of those still working; how many. */
  expire(): number {
    return this.stopExpired();
  }

  /** `tasks/get`, `tasks/result`, `tasks/list`, `tasks/cancel` of `session`'s principal. */
  async handle(
    session: FrontSession,
    request: JsonRpcRequest,
    signal?: AbortSignal,
  ): Promise<JsonRpcResponse> {
    this.stopExpired();
    const owner = session.principal;
    if (request.method === 'tasks/list') {
      await this.load(owner);
      return this.list(request, owner, await this.runningElsewhere(owner));
    }
    const taskId = request.params?.taskId;
    if (typeof taskId !== 'string') return invalidParams(request.id, 'taskId must be a string');
    const task = await this.find(taskId, owner);
    if (!task) return notFound(request, taskId);
    if (this.elsewhere.has(task)) return this.handleElsewhere(request, task, signal);
    const poll = this.store.bounds.pollIntervalMs;
    switch (request.method) {
      case 'tasks/get':
        return resultResponse(request.id, wireTask(await this.live(task), poll));
      case 'tasks/cancel': {
        if (isTerminal(task.status)) {
          return invalidParams(request.id, `Cannot cancel task ${taskId}: it is already ${task.status}`, {
            taskId,
            status: task.status,
          });
        }
        this.cancel(task);
        // Journaled before the answer: another node reads the task next (a cancel it relayed here).
        await Promise.all([...this.writing]);
        return resultResponse(request.id, wireTask(task, poll));
      }
      default: {
        const ended = await this.store.whenTerminal(taskId, owner, signal);
        return ended ? payload(request, ended) : notFound(request, taskId);
      }
    }
  }

  /**
   * 2025 `tasks/get`, `tasks/result`, `tasks/cancel` of a task another live node runs (the session
   * is here, the task there): its record from the journal, its end as the journal comes to hold it,
   * a cancel asked of that node.
   */
  private async handleElsewhere(
    request: JsonRpcRequest,
    task: TaskRecord,
    signal?: AbortSignal,
  ): Promise<JsonRpcResponse> {
    const poll = this.store.bounds.pollIntervalMs;
    if (request.method === 'tasks/get') return resultResponse(request.id, wireTask(task, poll));
    if (request.method === 'tasks/cancel') {
      if (!(await this.clustered?.cancel(task.taskId, task.owner)))
        return runsElsewhere(request, task.taskId);
      const now = await this.find(task.taskId, task.owner);
      return now ? resultResponse(request.id, wireTask(now, poll)) : notFound(request, task.taskId);
    }
    const ended = await this.endedElsewhere(task.taskId, task.owner, signal);
    return ended ? payload(request, ended) : notFound(request, task.taskId);
  }

  /**
   * `tasks/result`: the answer at once when the task has ended (or is not found); else a stream
   * that starts with the task's status (`notifications/tasks/status`, so the front door answers
   * with SSE and keeps a long wait alive) and ends with the answer. A reader that goes away stops
   * waiting; the task runs on.
   */
  async result(session: FrontSession, request: JsonRpcRequest): Promise<Outcome> {
    const taskId = request.params?.taskId;
    const task = typeof taskId === 'string' ? await this.find(taskId, session.principal) : undefined;
    if (typeof taskId !== 'string' || !task || isTerminal(task.status))
      return { kind: 'response', message: await this.handle(session, request) };
    const stop = new AbortController();
    const out = new MessageStream<JsonRpcMessage>(() => stop.abort());
    out.push(statusNotification(task, this.store.bounds.pollIntervalMs));
    const ending = this.elsewhere.has(task)
      ? this.endedElsewhere(taskId, session.principal, stop.signal)
      : this.store.whenTerminal(taskId, session.principal, stop.signal);
    void ending.then((ended) => {
      if (!stop.signal.aborted) out.push(ended ? payload(request, ended) : notFound(request, taskId));
      out.end();
    });
    return { kind: 'stream', messages: out };
  }

  private list(request: JsonRpcRequest, owner: string | null, elsewhere: TaskRecord[]): JsonRpcResponse {
    const all = [...this.store.list(owner), ...elsewhere].sort((a, b) => a.createdAt - b.createdAt);
    const cursor = request.params?.cursor;
    let from = 0;
    if (cursor !== undefined) {
      const after = typeof cursor === 'string' ? cursorTaskId(cursor) : undefined;
      const at = after === undefined ? -1 : all.findIndex((t) => t.taskId === after);
      if (at < 0)
        return invalidParams(request.id, 'cursor is not one this gateway gave, or its task is gone');
      from = at + 1;
    }
    const page = all.slice(from, from + PAGE_SIZE);
    const last = page.at(-1);
    const result: JsonObject = { tasks: page.map((t) => wireTask(t, this.store.bounds.pollIntervalMs)) };
    if (last && from + PAGE_SIZE < all.length) result.nextCursor = taskCursor(last.taskId);
    return resultResponse(request.id, result);
  }

  /** Reads the call's stream to its end: server messages to the session, the answer to the store. */
  private async follow(
    session: FrontSession,
    task: TaskRecord,
    messages: AsyncIterable<JsonRpcMessage>,
    forwarded: boolean,
    inner: JsonRpcRequest,
  ) {
    let answer: JsonRpcResponse | undefined;
    let stream: AsyncIterable<JsonRpcMessage> | undefined = messages;
    for (let round = 1; stream; round++) {
      answer = undefined;
      for await (const m of stream) {
        if ('method' in m) {
          if (session.era === 'legacy') session.outbound.push(this.ask(session, task, m));
        } else {
          answer = m;
        }
      }
      stream = undefined;
      if (answer && 'result' in answer && answer.result.resultType === 'input_required') {
        const resumed = await this.inputRound(session, task, inner, answer.result, round);
        if (resumed === undefined) return;
        if ('messages' in resumed) stream = resumed.messages;
        else answer = resumed;
      }
    }
    if (!answer) {
      this.store.settle(
        task.taskId,
        'cancelled',
        { kind: 'error', error: cancelledError(task.taskId) },
        'the call was cancelled (its session ended)',
      );
    } else if ('error' in answer) {
      this.store.settle(task.taskId, 'failed', { kind: 'error', error: answer.error }, answer.error.message);
    } else if (answer.result.resultType === 'input_required') {
      // Still asking after the retry (it should not: every answer was given).
      const words = 'the call asked the client for input again after it had every answer';
      this.store.settle(
        task.taskId,
        'failed',
        { kind: 'error', error: { code: INTERNAL_ERROR, message: words } },
        words,
      );
    } else {
      const remoteId = forwarded ? createdTaskId(answer.result) : undefined;
      if (remoteId === undefined) {
        this.store.settle(task.taskId, 'completed', { kind: 'result', result: answer.result });
      } else {
        await this.followRemote(session, task, remoteId);
      }
    }
    this.backends.forget(task.taskId);
  }

  /**
   * A 2026 task's call answered `input_required`: the task reads `input_required` with the call's
   * `inputRequests` until `tasks/update` has answered them all, then its call resumes with them
   * (`requestState`). The call's stream from there, an error answer when it cannot resume, or
   * undefined when the task ended meanwhile.
   */
  private async inputRound(
    session: FrontSession,
    task: TaskRecord,
    inner: JsonRpcRequest,
    asked: JsonObject,
    round: number,
  ): Promise<{ messages: AsyncIterable<JsonRpcMessage> } | JsonRpcResponse | undefined> {
    const { requestState, inputRequests } = asked;
    if (typeof requestState !== 'string' || !isJsonObject(inputRequests)) {
      return errorResponse(inner.id, {
        code: INTERNAL_ERROR,
        message: 'the call asked for input without requestState or inputRequests',
      });
    }
    const waiting = this.inputs.wait(task.taskId, inputRequests);
    this.store.setStatus(task.taskId, 'input_required', 'waiting for the client’s input (tasks/update)');
    const answers = await waiting;
    if (!answers || isTerminal(task.status)) return undefined;
    const retry: JsonRpcRequest = {
      ...inner,
      id: `${inner.id}#${round}`,
      params: { ...inner.params, inputResponses: answers, requestState },
    };
    const capabilities = capabilitiesOf(inner);
    if (capabilities) withCapabilities(retry, capabilities, headersOf(inner));
    const outcome = this.host.resume(session, retry, requestState);
    if (outcome.kind === 'stream') {
      this.store.setStatus(task.taskId, 'working');
      return { messages: outcome.messages };
    }
    const message = outcome.kind === 'response' ? outcome.message : undefined;
    if (message && 'error' in message) return message;
    return errorResponse(inner.id, {
      code: INTERNAL_ERROR,
      message: 'the call could not resume with the input',
    });
  }

  /**
   * A message of a task's call to its client: a request (elicitation, sampling, roots) is tied to the
   * task (`related-task`) and the task waits for its answer (`input_required`) until the client
   * answers it in that session (`answered`).
   */
  private ask(session: FrontSession, task: TaskRecord, m: JsonRpcMessage): JsonRpcMessage {
    if (!('id' in m) || !('method' in m)) return m;
    this.asks.asked(session.id, m.id, task.taskId);
    this.store.setStatus(task.taskId, 'input_required', `waiting for the client's answer to ${m.method}`);
    const params = m.params ?? {};
    const meta = isJsonObject(params._meta) ? params._meta : {};
    return {
      ...m,
      params: { ...params, _meta: { ...meta, [RELATED_TASK_META_KEY]: { taskId: task.taskId } } },
    };
  }

  /** The client of `sessionId` answered request `requestId`: a task waiting for it works on. */
  answered(sessionId: string, requestId: unknown): void {
    const taskId = this.asks.answered(sessionId, requestId);
    if (taskId !== undefined) this.store.setStatus(taskId, 'working');
  }

  /**
   * A task its backend runs: its worker held under a lease while it waits for the backend's result
   * (until the task's TTL ends).
   */
  private async followRemote(session: FrontSession, task: TaskRecord, remoteId: string): Promise<void> {
    const workerId = this.backends.takeWorkerId(task.taskId);
    const held =
      workerId === undefined ? undefined : await this.host.hold(session, workerId).catch(() => undefined);
    if (!held) {
      settleUnknown(this.store, task.taskId);
      return;
    }
    const remote = this.backends.bind(task.taskId, remoteId, held.worker);
    if (isTerminal(task.status)) {
      // Cancelled (or expired) while the backend made its task: that task is cancelled too.
      await this.backends.cancel(remote).finally(() => held.release());
      return;
    }
    const left = Math.max(1, task.createdAt + task.ttlMs - this.store.now());
    const outcome = await this.backends.result(remote, left).finally(() => held.release());
    if (outcome.kind === 'error') {
      this.store.settle(task.taskId, 'failed', outcome, outcome.error.message);
    } else {
      this.store.settle(task.taskId, 'completed', outcome);
    }
  }

  /** The task as it is now: a working one its backend runs, with the backend's live status. */
  private async live(task: TaskRecord): Promise<TaskRecord> {
    const remote = isTerminal(task.status) ? undefined : this.backends.get(task.taskId);
    const now = remote && (await this.backends.status(remote));
    if (!now || isTerminal(task.status)) return task;
    return { ...task, status: now.status, statusMessage: now.statusMessage ?? task.statusMessage };
  }

  /** Reads `owner`'s journaled tasks back, once per process (tasks/list, and the bound, count them). */
  private async load(owner: string | null): Promise<void> {
    if (!this.log || this.loaded.has(owner)) return;
    this.loaded.add(owner);
    for (const taskId of await this.log.idsOf(owner)) {
      if (!this.store.get(taskId, owner)) await this.recall(taskId, owner);
    }
  }

  /**
   * On several nodes: `owner`'s tasks journaled since this process first read them back, read now
   * (those ended are kept here from then on), and those other live nodes run, as journaled (read
   * each time). Ids found gone (expired, another's) are not read again.
   */
  private async runningElsewhere(owner: string | null): Promise<TaskRecord[]> {
    if (!this.log || !this.clustered) return [];
    const found: TaskRecord[] = [];
    for (const taskId of await this.log.idsOf(owner)) {
      if (this.store.get(taskId, owner) || this.goneIds.has(taskId)) continue;
      const task = await this.recall(taskId, owner);
      if (!task) this.forgetId(taskId);
      else if (this.elsewhere.has(task)) found.push(task);
    }
    return found;
  }

  /** A task id found gone: not read from the journal again by `runningElsewhere` (a bounded memory). */
  private forgetId(taskId: string): void {
    if (this.goneIds.size >= MOST_GONE_IDS) this.goneIds.clear();
    this.goneIds.add(taskId);
  }

  /** `owner`'s task `taskId`, held here or read back from the journal. */
  private async find(taskId: string, owner: string | null): Promise<TaskRecord | undefined> {
    return this.store.get(taskId, owner) ?? (await this.recall(taskId, owner));
  }

  /**
   * A task this process does not hold, read back from the journal if `owner` made it and it has not
   * expired. One that was working there ran in a process that has ended: it failed with it.
   */
  private async recall(taskId: string, owner: string | null): Promise<TaskRecord | undefined> {
    const task = await this.log?.read(taskId);
    if (!task || task.owner !== owner) return undefined;
    // Another live node runs it: its record as the journal holds it, neither kept nor settled here.
    if (
      !isTerminal(task.status) &&
      !this.running.has(taskId) &&
      (await this.clustered?.runsElsewhere(taskId))
    ) {
      if (this.store.expired(task)) return undefined;
      this.elsewhere.add(task);
      return task;
    }
    if (!this.store.adopt(task)) return undefined;
    const held = this.store.get(taskId, owner);
    if (held && !isTerminal(held.status) && !this.running.has(taskId)) settleUnknown(this.store, taskId);
    return held;
  }

  /** The client's cancellation of a working task: settled as cancelled, its call stopped. */
  private cancel(task: TaskRecord): void {
    this.store.settle(
      task.taskId,
      'cancelled',
      { kind: 'error', error: cancelledError(task.taskId) },
      'cancelled by the client',
    );
    this.stopCall(task, 'the client cancelled the task');
  }

  private stopCall(task: TaskRecord, reason: string): void {
    const remote = this.backends.get(task.taskId);
    if (remote) void this.backends.cancel(remote);
    this.host
      .session(task.sessionId, task.owner)
      ?.inflight.get(innerRequestId(task.taskId))
      ?.abandon('cancelled', reason);
  }

  /** Drops expired tasks; the calls of those still working are stopped. */
  private stopExpired(): number {
    const gone = this.store.sweep();
    for (const task of gone) {
      if (!isTerminal(task.status)) this.stopCall(task, 'the task expired');
    }
    return gone.length;
  }
}
