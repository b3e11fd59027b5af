/**
 * The open `subscriptions/listen` streams of 2026 clients (basic/patterns/subscriptions): which
 * list changes each asked for, and which resources it watches. A watched resource is subscribed on
 * its backend (through the stand-in session of the client's affinity key) once however many
 * listens watch it, and unsubscribed when the last of them closes. The acknowledgement is the
 * first message of a stream and names what will be sent: list changes asked for, the resources
 * whose backend took the subscription, and the tasks whose status it will hear (the tasks
 * extension: `taskIds`, those of its principal the `tasks` hook agrees to).
 */

import { SUBSCRIPTION_ID_META_KEY } from '../era/modern/meta-keys.ts';
import type { JsonRpcMessage } from '../jsonrpc/types.ts';
import { isJsonObject, JSONRPC_VERSION, type JsonObject, type RequestId } from '../jsonrpc/types.ts';
import { MessageStream } from './message-stream.ts';
import { listenFilter, tagged } from './modern.ts';
import { askedTaskIds, MODERN_TASK_STATUS } from './tasks/task-wire.ts';

/** One watched resource: the backend's key (`backend` + its URI) and the client's URI. */
export interface Watched {
  key: string;
  frontUri: string;
}

export interface ListenHooks {
  /** Subscribes `uri` on its backend; the key to match its updates by, or undefined (refused). */
  subscribe(uri: string): Promise<string | undefined>;
  unsubscribe(key: string): void;
  /** The task ids of `asked` whose status this listen hears (`notifications/tasks`). */
  tasks?(asked: readonly string[]): Promise<string[]>;
}

interface Listener {
  session: string;
  hooks: ListenHooks;
  methods: ReadonlySet<string>;
  watched: Watched[];
  tasks: ReadonlySet<string>;
  stream: MessageStream<JsonRpcMessage>;
  id: RequestId;
}

export class Listens {
  /**
   * `maxBuffered`: the most messages a listen keeps that its reader has not taken (oldest dropped);
   * a list change, or an update of one resource, said again before it was read is kept once.
   */
  constructor(private readonly maxBuffered = Number.POSITIVE_INFINITY) {}

  private readonly open = new Set<Listener>();
  /** Open listens of each (stand-in) session. */
  private readonly perSession = new Map<string, number>();

  /** How many listens `session` has open. */
  countOf(session: string): number {
    return this.perSession.get(session) ?? 0;
  }
  /** How many open listens watch each `session` + key. */
  private readonly refs = new Map<string, number>();

  /** Opens a stream for the listen request `id` of (stand-in) `session` with these `params`. */
  async listen(
    session: string,
    id: RequestId,
    params: JsonObject | undefined,
    hooks: ListenHooks,
  ): Promise<MessageStream<JsonRpcMessage>> {
    const { honoured, methods } = listenFilter(params);
    const asked = isJsonObject(params?.notifications)
      ? params.notifications.resourceSubscriptions
      : undefined;
    const uris = Array.isArray(asked) ? asked.filter((u): u is string => typeof u === 'string') : [];
    const taskIds = askedTaskIds(params);
    const watched: Watched[] = [];
    let tasks: string[] = [];
    // Counted before the first await, so listens asked at once cannot pass a limit together.
    this.perSession.set(session, this.countOf(session) + 1);
    try {
      for (const frontUri of new Set(uris)) {
        const key = await hooks.subscribe(frontUri);
        if (key === undefined) continue;
        watched.push({ key, frontUri });
        this.refs.set(`${session}\u0000${key}`, (this.refs.get(`${session}\u0000${key}`) ?? 0) + 1);
      }
      if (taskIds.length > 0 && hooks.tasks) tasks = await hooks.tasks(taskIds);
    } catch (e) {
      this.uncount(session);
      throw e;
    }
    if (watched.length > 0) honoured.resourceSubscriptions = watched.map((w) => w.frontUri);
    if (tasks.length > 0) honoured.taskIds = tasks;
    const stream: MessageStream<JsonRpcMessage> = new MessageStream<JsonRpcMessage>(
      () => this.close(listener),
      this.maxBuffered,
    );
    const listener: Listener = { session, hooks, methods, watched, tasks: new Set(tasks), stream, id };
    this.open.add(listener);
    stream.push(tagged('notifications/subscriptions/acknowledged', id, { notifications: honoured }));
    return stream;
  }

  /** Lists changed: every listen that asked for these methods hears it (only those of `sessions`, if given). */
  listChanged(methods: ReadonlySet<string>, sessions?: ReadonlySet<string>): void {
    for (const l of this.open) {
      if (sessions && !sessions.has(l.session)) continue;
      for (const method of methods)
        if (l.methods.has(method)) l.stream.pushOnce(tagged(method, l.id), method);
    }
  }

  /** A backend's resource changed (`key`: backend + its URI); only listens of `sessions`, if given. */
  resourceUpdated(key: string, params: JsonObject, sessions?: ReadonlySet<string>): void {
    for (const l of this.open) {
      if (sessions && !sessions.has(l.session)) continue;
      for (const w of l.watched) {
        if (w.key === key)
          l.stream.pushOnce(
            tagged('notifications/resources/updated', l.id, { ...params, uri: w.frontUri }),
            `updated\u0000${w.frontUri}`,
          );
      }
    }
  }

  /**
   * Task `taskId` changed: the listens that agreed to hear it get `notifications/tasks` with
   * `detailed` (the task as `tasks/get` gives it). Every one, none kept once: each says a status.
   */
  taskChanged(taskId: string, detailed: JsonObject): void {
    for (const l of this.open)
      if (l.tasks.has(taskId)) l.stream.push(tagged(MODERN_TASK_STATUS, l.id, detailed));
  }

  /** The backend resources (keys: backend + its URI) some open listen watches. */
  watchedKeys(): Set<string> {
    const keys = new Set<string>();
    for (const l of this.open) for (const w of l.watched) keys.add(w.key);
    return keys;
  }

  /**
   * The gateway stops: every stream ends, each with the result a server sends when it ends a listen
   * (`resultType: complete`, tagged with the subscription id).
   */
  endAll(): void {
    for (const l of [...this.open]) {
      l.stream.push({
        jsonrpc: JSONRPC_VERSION,
        id: l.id,
        result: { resultType: 'complete', _meta: { [SUBSCRIPTION_ID_META_KEY]: l.id } },
      });
      l.stream.end();
    }
    this.open.clear();
    this.perSession.clear();
  }

  private uncount(session: string): void {
    const left = this.countOf(session) - 1;
    if (left > 0) this.perSession.set(session, left);
    else this.perSession.delete(session);
  }

  private close(listener: Listener): void {
    if (!this.open.delete(listener)) return;
    this.uncount(listener.session);
    for (const w of listener.watched) {
      const ref = `${listener.session}\u0000${w.key}`;
      const left = (this.refs.get(ref) ?? 1) - 1;
      if (left > 0) {
        this.refs.set(ref, left);
        continue;
      }
      this.refs.delete(ref);
      listener.hooks.unsubscribe(w.key);
    }
  }
}
