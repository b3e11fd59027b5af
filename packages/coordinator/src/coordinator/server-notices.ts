/**
 * What backends say on their own — list changes, resource updates, log lines, task status — taken
 * to the clients it belongs to: 2025 sessions' outbound streams and 2026 `subscriptions/listen`
 * streams. Nothing reaches a session of another principal than the one a message belongs to.
 * A shared backend's news is also passed to the cluster's listeners (`onSharedListsChanged`,
 * `onSharedResourceUpdated`), and news from other nodes comes in as if a worker here had said it.
 */
import type { ListKind } from '../aggregate/list-cache.ts';
import { JSONRPC_VERSION, type JsonObject, type JsonRpcNotification } from '../jsonrpc/types.ts';
import type { Naming } from '../naming/naming.ts';
import { type BackendFleet, LIST_CHANGED } from './backend-fleet.ts';
import type { BackendWorker } from './backend-worker.ts';
import type { Listens } from './listens.ts';
import type { FrontSession, SessionTable } from './sessions.ts';

export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/** The key of a backend's resource among subscriptions: the backend, NUL, its own URI. */
export function subscriptionKey(backend: string, uri: string): string {
  return `${backend}\u0000${uri}`;
}

export interface ServerNoticesOptions {
  sessions: Pick<SessionTable, 'find' | 'ofPrincipal' | 'subscribersOf' | 'all'>;
  listens: Pick<Listens, 'listChanged' | 'resourceUpdated' | 'watchedKeys'>;
  fleet: Pick<BackendFleet, 'isIsolated' | 'isolationOf' | 'invalidateLists'>;
  /** The backends served now (configuration reloads replace them). */
  naming: () => Pick<Naming, 'has' | 'backends'>;
  /** A forwarded task's `notifications/tasks/status` from its backend. */
  taskStatus: (worker: BackendWorker, params: JsonObject | undefined) => void;
  /** A log line whose owner cannot be known, or that no session asked for: the gateway's log. */
  onBackendLog?: ((backend: string, worker: string, params: JsonObject) => void) | undefined;
}

export class ServerNotices {
  private readonly listChangeListeners = new Set<(backend: string, kinds: readonly ListKind[]) => void>();
  private readonly resourceUpdateListeners = new Set<(backend: string, params: JsonObject) => void>();

  constructor(private readonly options: ServerNoticesOptions) {}

  /**
   * A worker's own notification. Nothing reaches a session of another principal than the one the
   * message belongs to:
   * - list changes of a shared worker reach every session (the list is everyone's); those of an
   *   isolated worker (per-session, per-principal) only the sessions it serves;
   * - a resource update reaches the sessions that subscribed to it — on an isolated worker, only
   *   those it serves;
   * - a log message reaches, while a single principal ever used the worker, that principal's
   *   sessions that asked for its level (for a per-session worker: its own session); otherwise its
   *   owner cannot be known and it goes to the gateway's log (`onBackendLog`), not to any client.
   */
  backendNotification(
    worker: BackendWorker,
    message: JsonRpcNotification,
    invalidated: readonly ListKind[],
  ): void {
    const { sessions, fleet } = this.options;
    const backend = worker.backend;
    const isolated = fleet.isIsolated(backend);
    const served = (): FrontSession[] => {
      const out: FrontSession[] = [];
      for (const id of worker.sessions()) {
        const s = sessions.find(id);
        if (s) out.push(s);
      }
      return out;
    };
    if (invalidated.length > 0) {
      if (isolated) this.listsChanged(invalidated, served());
      else {
        this.listsChanged(invalidated);
        for (const listener of this.listChangeListeners) listener(backend, invalidated);
      }
    }
    const updated =
      message.method === 'notifications/resources/updated' && typeof message.params?.uri === 'string'
        ? subscriptionKey(backend, message.params.uri)
        : undefined;
    if (updated !== undefined) {
      const params = message.params ?? {};
      if (isolated) this.resourceUpdated(updated, params, served());
      else {
        this.resourceUpdated(updated, params);
        for (const listener of this.resourceUpdateListeners) listener(backend, params);
      }
    }
    // A forwarded task's status: its creator hears it under the gateway's task id.
    if (message.method === 'notifications/tasks/status') this.options.taskStatus(worker, message.params);
    if (message.method === 'notifications/message') {
      const sole = worker.soleOwner;
      let delivered = false;
      if (sole !== undefined) {
        // A per-session worker's lines are its session's; any other worker's, its one principal's.
        const audience =
          fleet.isolationOf(backend) === 'per-session' ? served() : sessions.ofPrincipal(sole.principal);
        for (const session of audience) {
          if (session.era === 'modern' || session.principal !== sole.principal) continue;
          if (!allowsLog(session.logLevel, message.params?.level)) continue;
          session.outbound.push(message);
          delivered = true;
        }
      }
      if (!delivered || sole === undefined)
        this.options.onBackendLog?.(backend, worker.id, message.params ?? {});
    }
  }

  /**
   * A backend resource (`key`: backend + its URI) changed: the 2025 sessions and 2026 listens that
   * subscribed to it hear it under the URI they subscribed with — any, or only those of `audience`
   * (the sessions an isolated worker serves).
   */
  resourceUpdated(key: string, params: JsonObject, audience?: readonly FrontSession[]): void {
    this.options.listens.resourceUpdated(key, params, audience && new Set(audience.map((s) => s.id)));
    for (const session of audience ?? this.options.sessions.subscribersOf(key)) {
      if (session.era === 'modern') continue;
      const frontUri = session.subscriptions.get(key);
      if (frontUri !== undefined) {
        session.outbound.pushOnce(
          {
            jsonrpc: JSONRPC_VERSION,
            method: 'notifications/resources/updated',
            params: { ...params, uri: frontUri },
          },
          `updated\u0000${frontUri}`,
        );
      }
    }
  }

  /**
   * Tells 2025 sessions and 2026 listeners that asked: these lists changed — every session, or
   * only `audience` (the sessions an isolated worker serves).
   */
  listsChanged(kinds: readonly ListKind[], audience?: readonly FrontSession[]): void {
    const methods = new Set(kinds.map((k) => LIST_CHANGED[k]));
    this.options.listens.listChanged(methods, audience && new Set(audience.map((s) => s.id)));
    for (const session of audience ?? this.options.sessions.all()) {
      if (session.era === 'modern') continue;
      for (const method of methods) session.outbound.pushOnce({ jsonrpc: JSONRPC_VERSION, method }, method);
    }
  }

  // ── other nodes ──────────────────────────────────────────────────────────────────────────────

  /** See `MCPCoordinator.onSharedListsChanged`. */
  onSharedListsChanged(listener: (backend: string, kinds: readonly ListKind[]) => void): () => void {
    this.listChangeListeners.add(listener);
    return () => this.listChangeListeners.delete(listener);
  }

  /** See `MCPCoordinator.listsChangedElsewhere`. */
  listsChangedElsewhere(backend: string | undefined, kinds: readonly ListKind[]): void {
    const naming = this.options.naming();
    const backends = backend === undefined ? naming.backends.map((b) => b.name) : [backend];
    let any = false;
    for (const name of backends) {
      if (!naming.has(name) || this.options.fleet.isIsolated(name)) continue;
      this.options.fleet.invalidateLists(name, kinds);
      any = true;
    }
    if (any) this.listsChanged(kinds);
  }

  /** See `MCPCoordinator.onSharedResourceUpdated`. */
  onSharedResourceUpdated(listener: (backend: string, params: JsonObject) => void): () => void {
    this.resourceUpdateListeners.add(listener);
    return () => this.resourceUpdateListeners.delete(listener);
  }

  /** See `MCPCoordinator.resourceUpdatedElsewhere`. */
  resourceUpdatedElsewhere(backend: string, params: JsonObject): void {
    if (typeof params.uri !== 'string' || !this.isShared(backend)) return;
    this.resourceUpdated(subscriptionKey(backend, params.uri), params);
  }

  /** See `MCPCoordinator.resourcesMayHaveChangedElsewhere`. */
  resourcesMayHaveChangedElsewhere(): void {
    const keys = this.options.listens.watchedKeys();
    for (const session of this.options.sessions.all())
      if (session.era === 'legacy') for (const key of session.subscriptions.keys()) keys.add(key);
    for (const key of keys) {
      const cut = key.indexOf('\u0000');
      const backend = key.slice(0, cut);
      if (this.isShared(backend)) this.resourceUpdated(key, { uri: key.slice(cut + 1) });
    }
  }

  /** A backend served now whose workers are everyone's. */
  private isShared(backend: string): boolean {
    return this.options.naming().has(backend) && !this.options.fleet.isIsolated(backend);
  }
}

function allowsLog(sessionLevel: string | undefined, level: unknown): boolean {
  if (sessionLevel === undefined || typeof level !== 'string') return false;
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(sessionLevel);
}
