/**
 * `MCPCoordinator`: many backend MCP servers as one, to clients of both eras — 2025 (2025-03-26 …
 * 2025-11-25: `handle`, front sessions) and 2026-07-28 (`handleModern`, stateless).
 *
 * Messages in, messages out: the front door hands it one parsed JSON-RPC message with who sent it,
 * and sends back what the `Outcome` says. Each era's front is an adapter of its own
 * (`legacy-front.ts`, `modern-front.ts`) over one routing core (`routing-core.ts`, then `route`
 * here: a `Call` to the backend's worker); this class wires them and holds what outlives a request —
 * sessions and their end, the tasks, listens, restores, reloads. Backends are reached through a
 * `TierPort` (the tier manager); every request to a worker goes through that worker's `IdRemapper`,
 * so sessions share workers freely. No runtime API here: ids come from an injectable random-bytes
 * function, time from an injectable clock, timers are `setTimeout`.
 */
import type { AuditInput, Journal } from '@switchyard/journal';
import type { Implementation } from '../aggregate/initialize.ts';
import type { ListKind } from '../aggregate/list-cache.ts';
import { CONNECTION_CLOSED, INVALID_REQUEST, LIMIT_REACHED, SESSION_STATE_LOST } from '../jsonrpc/codes.ts';
import { errorResponse, invalidRequest } from '../jsonrpc/responses.ts';
import {
  isJsonObject,
  JSONRPC_VERSION,
  type JsonObject,
  type JsonRpcErrorResponse,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type RequestId,
} from '../jsonrpc/types.ts';
import { type BackendNamingConfig, Naming } from '../naming/naming.ts';
import type { AccessPolicy } from '../policy/access-policy.ts';
import { AuditTrail } from './audit-trail.ts';
import { BackendFleet, LISTS } from './backend-fleet.ts';
import { Call, type CallHooks } from './call.ts';
import { InputParking } from './input-parking.ts';
import { LegacyFront } from './legacy-front.ts';
import { ListenRequests } from './listen-requests.ts';
import { Listens } from './listens.ts';
import { ModernFront } from './modern-front.ts';
import type { HandleContext, ModernContext, Outcome } from './outcome.ts';
import { ListPages } from './pages.ts';
import { PolicyGate } from './policy-gate.ts';
import type { TierPort } from './port.ts';
import { RequestTargets } from './request-targets.ts';
import { NameResolver } from './resolution.ts';
import { nameOf, RoutingCore, taskSupportOf } from './routing-core.ts';
import { ServerNotices } from './server-notices.ts';
import { ServerRequests } from './server-requests.ts';
import { BOUND, initialState, logLevelState, subscriptionsState } from './session-record.ts';
import { SessionRestore } from './session-restore.ts';
import {
  defaultRandomBytes,
  type FrontSession,
  type RandomBytes,
  type SessionEnd,
  type SessionEndReason,
  SessionTable,
} from './sessions.ts';
import { GatewayTasks, type TaskCluster } from './tasks/gateway-tasks.ts';
import { JournalTaskLog } from './tasks/task-journal.ts';
import { DEFAULT_TASK_BOUNDS, TaskStore } from './tasks/task-store.ts';
import type { CallTracing } from './tracing.ts';

export interface MCPCoordinatorOptions {
  /** The tier manager (or anything that hands out ready workers). */
  tiers: TierPort;
  /** The backends, in the order their entries appear in merged lists, with their prefixes and tool filters. */
  backends: readonly BackendNamingConfig[];
  /** Between prefix and name. Default `__`. */
  separator?: string;
  /** The gateway's own identity (`serverInfo`, and `clientInfo` towards backends). */
  serverInfo: Implementation;
  /** The gateway's own words, before the backends' instructions. */
  instructions?: string;
  /** Sessions and the audit trail go here. */
  journal?: Journal;
  /** Source of session ids. Default `crypto.getRandomValues`. */
  randomBytes?: RandomBytes;
  /** Milliseconds, for durations. Default `Date.now`. */
  now?: () => number;
  /** Longest wait for the handshake and list fetches of one backend, ms. Default 30 000. */
  backendTimeoutMs?: number;
  /** Longest a routed request (tools/call, prompts/get, resources/read) may take, ms; then -32001 and a cancel. Default 60 000. */
  requestTimeoutMs?: number | ((backend: string, name: string | null) => number);
  /** `one`: each list in one page (default). `per-backend`: one page per backend, with cursors. */
  pagination?: 'one' | 'per-backend';
  /** Key of the list cursors' checksum. */
  cursorKey?: string;
  /** Errors of background work (journal writes). Default: ignored. */
  onError?: (error: unknown) => void;
  /**
   * A session not heard from for this long, with nothing in flight, is ended as by DELETE, ms.
   * Default 10 minutes; `null`: never.
   */
  sessionIdleMs?: number | null;
  /** Told of every request's end, as the journal's audit entry (metrics, dashboards). */
  onAudit?: (entry: AuditInput) => void;
  /**
   * The journal's audit entries keep the request and the response as JSON text, each cut at this
   * many characters (with a marker; `DEFAULT_AUDIT_PAYLOAD_CHARS` is 16 KiB). Default 0: neither is
   * kept (keeping them costs the journal about a tenth more CPU per call).
   */
  auditPayloadChars?: number;
  /** How long a 2026 call parked for the client's input waits for its retry, ms. Default 30 000. */
  inputWaitMs?: number;
  /**
   * How long initialize and list answers wait for a backend that is not ready, ms; then they answer
   * without it (named in `_meta` under `switchyard/unavailable`). Calls wait up to `backendTimeoutMs`
   * for the backend that owns them. Default 10 000.
   */
  backendWaitMs?: number;
  /**
   * A backend's log message whose owner cannot be known (a shared worker that several principals
   * used), or that no session asked for: it goes here (the gateway's log), never to a client.
   */
  onBackendLog?: (backend: string, worker: string, params: JsonObject) => void;
  /** Bounds on what clients may hold; each refusal is a JSON-RPC error with `LIMIT_REACHED`. */
  limits?: Partial<CoordinatorLimits>;
  /**
   * A session restored from the journal (another process held it) calling a per-session or
   * per-principal backend whose worker ended with that process: `error` (default) answers that
   * first call with `SESSION_STATE_LOST` and the next gets a fresh worker; `end-session` ends the
   * session instead (the client gets 404 and starts a new one).
   */
  sessionStateLost?: 'error' | 'end-session';
  /** Told of each session restored from the journal, with the backends whose state it lost. */
  onRestore?: (sessionId: string, stateLost: readonly string[]) => void;
  /** Traces each routed call's steps (its place and worker, backend, end); none: calls are not traced. */
  tracing?: CallTracing;
  /** Told of each session this process lets go (ended, expired, shut down, handed on), for its duration. */
  onSessionEnd?: (end: SessionEnd) => void;
  /**
   * Who may list and use which tool, prompt, resource and template (`RulePolicy`); asked after the
   * shared list cache, per caller. None: everything is allowed and no decision is audited.
   */
  policy?: AccessPolicy;
}

/** What one client, and all together, may hold at once. */
export interface CoordinatorLimits {
  /** Live sessions (2025 sessions and 2026 stand-ins) in all. Default 10 000. */
  sessions: number;
  /** Live sessions of one authenticated principal (anonymous clients share `sessions`). Default 1 000. */
  sessionsPerPrincipal: number;
  /** A backend's requests relayed to one session and not yet answered by its client. Default 16. */
  pendingClientRequestsPerSession: number;
  /** Open `subscriptions/listen` streams of one 2026 stand-in session. Default 16. */
  listensPerSession: number;
  /**
   * Server messages (log lines, list changes, resource updates) a 2025 session keeps while no GET
   * stream takes them; past it the oldest go. A list change or an update of one resource said
   * again before it was read is kept once. Default 256.
   */
  bufferedPerSession: number;
  /** How deep a call's `arguments` may nest (objects and arrays); deeper is -32602. Default 64. */
  argumentDepth: number;
  /** Tasks (2025-11-25) one principal holds, working or kept for their result. Default 100. */
  tasksPerPrincipal: number;
  /** The longest a task is kept from its creation, ms; a client asking more gets this. Default 1 h. */
  taskTtlMs: number;
  /** The largest result (JSON bytes) a task holds; a larger one fails the task (-32050). Default 1 MiB. */
  taskResultBytes: number;
}

export const DEFAULT_COORDINATOR_LIMITS: Readonly<CoordinatorLimits> = {
  sessions: 10_000,
  sessionsPerPrincipal: 1_000,
  pendingClientRequestsPerSession: 16,
  listensPerSession: 16,
  bufferedPerSession: 256,
  argumentDepth: 64,
  tasksPerPrincipal: DEFAULT_TASK_BOUNDS.tasksPerPrincipal,
  taskTtlMs: DEFAULT_TASK_BOUNDS.taskTtlMs,
  taskResultBytes: DEFAULT_TASK_BOUNDS.taskResultBytes,
};

/** A bound reached: the error says which, and its value (`data: { limit, max }`). */
function limitReached(
  id: RequestId | undefined,
  limit: keyof CoordinatorLimits,
  max: number,
  words: string,
): JsonRpcErrorResponse {
  return errorResponse(id, {
    code: LIMIT_REACHED,
    message: `${words} (limit ${limit}: ${max})`,
    data: { limit, max },
  });
}

/** How long a session may be idle before it is ended, by default: 10 minutes. */
export const DEFAULT_SESSION_IDLE_MS = 10 * 60_000;

/** Counters for tests and metrics. */
export interface CoordinatorStats {
  sessions: number;
  /** Routed requests not yet answered, across sessions. */
  inFlight: number;
  workers: number;
  /** Handshakes made with backend workers (one per worker). */
  handshakes: number;
  /** Replies that came after their request was settled, dropped. */
  lateReplies: number;
}

export class MCPCoordinator {
  private naming: Naming;
  private readonly sessions: SessionTable;
  private readonly fleet: BackendFleet;
  /** Which backend owns a front name, URI or reference. */
  private readonly resolver: NameResolver;
  /** Where a named request goes (with the policy's word), then routed. */
  private readonly targets: RequestTargets;
  /** The merged lists, page by page. */
  private readonly pages: ListPages;
  /** The 2025 front: sessions, `initialize`, notifications; requests to the routing core. */
  private readonly legacy: LegacyFront;
  /** One request of a session, answered here or routed: what both fronts call. */
  private readonly core: RoutingCore;
  /** The 2026 front: stand-in sessions, `server/discover`, listens; requests to the routing core. */
  private readonly modern: ModernFront;
  private readonly now: () => number;
  private sweeper: ReturnType<typeof setInterval> | undefined;
  /** 2025 sessions read back from the journal, and kept touched there. */
  private readonly restorer: SessionRestore;
  /** The last internal id given to a 2026 `subscriptions/listen`. */
  private listenSeq = 0;
  /** 2026 calls waiting for the client's input. */
  private readonly parking: InputParking;
  /** Backends' requests to clients during calls (sampling, elicitation, roots). */
  private readonly serverRequests: ServerRequests;
  /** Put before each `requestState` this process issues (`tagRequestStates`). */
  private requestStateTag = '';
  /** Open `subscriptions/listen` streams of 2026 clients. */
  private readonly listens: Listens;
  /** 2026 `subscriptions/listen` requests, each opening one of `listens`. */
  private readonly listenRequests: ListenRequests;
  /** Backends' own news (list changes, resource updates, log lines) to the clients it belongs to. */
  private readonly notices: ServerNotices;
  /** Routed requests not yet answered, across sessions (kept as they start and end: no scan). */
  private routedInFlight = 0;
  /** Each request's end, to `onAudit` and the journal. */
  private readonly trail: AuditTrail;
  /** The access policy in force (`setPolicy` replaces it). */
  private readonly policy: PolicyGate;

  private readonly limits: CoordinatorLimits;
  /** How long a session may be idle before it ends, ms (`sessionIdleMs`; null: never). */
  private readonly idleMs: number | null;
  /** Tasks the gateway runs for 2025-11-25 clients (task-augmented `tools/call`). */
  private readonly tasks: GatewayTasks;
  /** What every routed call borrows from the coordinator (one object for all: see `Call`). */
  private readonly callHooks: CallHooks = {
    now: () => this.now(),
    acquire: (backend, session, timeoutMs, continues, signal) => {
      const leased = this.fleet.acquireNow(backend, session, timeoutMs, continues, signal);
      // A shared backend, or one already recorded: nothing more on the call's path.
      if (session.era !== 'legacy' || session.isolatedUsed.has(backend) || !this.fleet.isIsolated(backend))
        return leased;
      return Promise.resolve(leased).then((l) => {
        // Recorded once: a restored session learns which of its backends' state it lost.
        session.isolatedUsed.add(backend);
        void this.journal((j) => j.bindSession(session.id, backend, BOUND));
        return l;
      });
    },
    serverRequest: (call, worker, message) => this.serverRequests.ask(call, worker, message),
    ended: (call, { outcome, message, error, worker }) => {
      const { session, request, backend, started } = call.spec;
      if (worker !== undefined) this.tasks.ranOn(request.id, worker);
      this.parking.forget(call.sink);
      this.routedInFlight--;
      this.trail.record({
        session,
        method: request.method,
        name: nameOf(request),
        backend,
        started,
        outcome,
        response: message,
        error,
        worker,
        request,
      });
    },
  };

  constructor(private readonly options: MCPCoordinatorOptions) {
    this.limits = { ...DEFAULT_COORDINATOR_LIMITS, ...options.limits };
    this.trail = new AuditTrail({
      now: () => this.now(),
      ...(options.onAudit !== undefined && { onAudit: options.onAudit }),
      // Straight to the journal (no async wrapper per entry); a failed write goes to onError.
      ...(options.journal !== undefined && {
        write: (entry) => {
          this.options.journal?.audit(entry).catch((e: unknown) => this.options.onError?.(e));
        },
      }),
      ...(options.auditPayloadChars !== undefined && { payloadChars: options.auditPayloadChars }),
    });
    this.policy = new PolicyGate(options.policy, this.trail);
    this.listens = new Listens(this.limits.bufferedPerSession);
    this.naming = new Naming({
      backends: options.backends,
      ...(options.separator !== undefined && { separator: options.separator }),
    });
    this.sessions = new SessionTable(
      options.randomBytes ?? defaultRandomBytes,
      this.limits.bufferedPerSession,
    );
    this.parking = new InputParking({
      newId: () => this.requestStateTag + this.sessions.newId(),
      ...(options.inputWaitMs !== undefined && { waitMs: options.inputWaitMs }),
    });
    this.serverRequests = new ServerRequests({
      parking: this.parking,
      maxPending: this.limits.pendingClientRequestsPerSession,
      tooMany: (id) =>
        limitReached(
          id,
          'pendingClientRequestsPerSession',
          this.limits.pendingClientRequestsPerSession,
          'the client has as many of the backend’s requests unanswered as it may',
        ),
      answered: (sessionId, frontId) => this.tasks.answered(sessionId, frontId),
    });
    this.now = options.now ?? Date.now;
    this.tasks = new GatewayTasks(
      new TaskStore({
        now: () => this.now(),
        bounds: {
          tasksPerPrincipal: this.limits.tasksPerPrincipal,
          taskTtlMs: this.limits.taskTtlMs,
          taskResultBytes: this.limits.taskResultBytes,
        },
        onStatus: (task) => this.tasks.changed(task),
      }),
      {
        run: (session, inner, claims) =>
          this.targets.callNamed(
            session,
            inner,
            this.now(),
            this.policy.subjectOf(session.principal, inner, claims),
          ),
        session: (id, owner) => this.sessions.get(id, owner),
        taskSupport: async (session, name) =>
          taskSupportOf(await this.resolver.named(session, LISTS['tools/list']!, name)),
        forwards: async (session, name) => {
          const owner = await this.resolver.named(session, LISTS['tools/list']!, name);
          if (owner.kind !== 'owned') return false;
          const execution = (owner.listed as JsonObject | undefined)?.execution;
          const support = isJsonObject(execution) ? execution.taskSupport : undefined;
          if (support !== 'optional' && support !== 'required') return false;
          const infos = await this.fleet.initializeInfos(session);
          const info = infos.find((i) => i.backend === owner.backend);
          const tasks = info?.ok ? (info.value.capabilities as JsonObject).tasks : undefined;
          const requests = isJsonObject(tasks) ? tasks.requests : undefined;
          const tools = isJsonObject(requests) ? requests.tools : undefined;
          return isJsonObject(tools) && isJsonObject(tools.call);
        },
        resume: (session, request, requestState) => this.resumeWithInput(session, request, requestState),
        hold: async (session, workerId) => {
          const ran = this.fleet.worker(workerId);
          if (!ran) return undefined;
          const { lease, worker } = await this.fleet.acquire(ran.backend, session);
          if (worker === ran) return { worker, release: () => lease.release() };
          lease.release();
          return undefined;
        },
        announce: (taskId, detailed) => this.listens.taskChanged(taskId, detailed),
      },
      options.journal && new JournalTaskLog(options.journal, (e) => this.options.onError?.(e)),
    );
    this.fleet = new BackendFleet({
      tiers: options.tiers,
      naming: this.naming,
      clientInfo: options.serverInfo,
      timeoutMs: options.backendTimeoutMs ?? 30_000,
      ...(options.backendWaitMs !== undefined && { waitMs: options.backendWaitMs }),
      onNotification: (worker, message, invalidated) =>
        this.notices.backendNotification(worker, message, invalidated),
    });
    this.notices = new ServerNotices({
      sessions: this.sessions,
      listens: this.listens,
      fleet: this.fleet,
      naming: () => this.naming,
      taskStatus: (worker, params) => this.tasks.backendStatus(worker, params),
      onBackendLog: options.onBackendLog,
    });
    this.resolver = new NameResolver(this.fleet, () => this.naming);
    this.listenRequests = new ListenRequests({
      listens: this.listens,
      maxPerSession: this.limits.listensPerSession,
      tooMany: (id) =>
        this.refusal(
          id,
          'listensPerSession',
          429,
          'this client has as many subscriptions/listen streams open as it may',
        ),
      resolver: this.resolver,
      policy: this.policy,
      route: (session, request, backend, params, started) =>
        this.route(session, request, backend, params, started),
      now: () => this.now(),
      nextId: () => `listen-${++this.listenSeq}`,
      tasks: (session, asked) => this.tasks.listenable(session, asked),
      onError: options.onError,
    });
    this.targets = new RequestTargets({
      resolver: this.resolver,
      policy: this.policy,
      trail: this.trail,
      sessions: this.sessions,
      subscriptionsChanged: (session) =>
        void this.journal((j) => j.updateSessionState(session.id, subscriptionsState(session))),
      route: (session, request, backend, params, started, retrySafe) =>
        this.route(session, request, backend, params, started, retrySafe),
    });
    this.pages = new ListPages(this.fleet, () => this.naming, {
      ...(options.pagination !== undefined && { pagination: options.pagination }),
      ...(options.cursorKey !== undefined && { cursorKey: options.cursorKey }),
    });
    const idleMs = options.sessionIdleMs === undefined ? DEFAULT_SESSION_IDLE_MS : options.sessionIdleMs;
    this.idleMs = idleMs;
    this.restorer = new SessionRestore({
      journal: options.journal,
      sessions: this.sessions,
      now: () => this.now(),
      idleMs,
      maxSessions: this.limits.sessions,
      isIsolated: (b) => this.fleet.isIsolated(b),
      write: (fn) => this.journal(fn),
      onError: options.onError,
      restored: (front, subscriptions) => {
        this.options.onRestore?.(front.id, [...front.stateLost]);
        void this.resubscribe(front, subscriptions);
      },
      relinquish: (session) => this.closeSession(session.id, session.principal, false, 'relinquished'),
    });
    this.core = new RoutingCore({
      policy: this.policy,
      trail: this.trail,
      targets: this.targets,
      resolver: this.resolver,
      tasks: this.tasks,
      pages: this.pages,
      argumentDepth: this.limits.argumentDepth,
      logLevelSet: (session, level) =>
        this.journal((j) => j.updateSessionState(session.id, logLevelState(level))),
      now: () => this.now(),
    });
    const backends: BackendFleet['initializeInfos'] = (who) => this.fleet.initializeInfos(who);
    this.legacy = new LegacyFront({
      sessions: this.sessions,
      restore: (id, principal) => this.restorer.restore(id, principal),
      request: (session, request, claims) => this.core.request(session, request, claims),
      answered: (session, message) => this.serverRequests.answer(session, message),
      refuseSession: (id, principal) => this.sessionRefusal(id, principal),
      full: (id) => this.refusal(id, 'sessions', 503, 'the gateway holds as many sessions as it may'),
      backends,
      naming: () => this.naming,
      serverInfo: options.serverInfo,
      instructions: options.instructions,
      created: (session) =>
        this.journal((j) =>
          j.createSession({
            id: session.id,
            principal: session.principal,
            protocolVersion: session.protocolVersion,
            clientInfo: session.clientInfo ?? null,
            state: initialState(session.clientCapabilities),
          }),
        ),
      record: (end) => this.trail.record(end),
      now: () => this.now(),
    });
    this.modern = new ModernFront({
      sessions: this.sessions,
      refuseSession: (id, principal) => this.sessionRefusal(id, principal),
      looseAffinity: (id) => this.fleet.looseAffinity(id),
      request: (session, request, claims) => this.core.request(session, request, claims, true),
      resume: async (session, request, requestState) =>
        (await this.tasks.resumeModern(session, request, requestState)) ??
        this.resumeWithInput(session, request, requestState),
      listen: (session, request, claims) => this.listenRequests.listen(session, request, claims),
      backends,
      naming: () => this.naming,
      serverInfo: options.serverInfo,
      instructions: options.instructions,
      argumentDepth: this.limits.argumentDepth,
      record: (end) => this.trail.record(end),
      now: () => this.now(),
    });
    if (idleMs !== null) {
      this.sweeper = setInterval(
        () => void this.expireIdleSessions(),
        Math.min(60_000, Math.max(1_000, idleMs / 4)),
      );
      (this.sweeper as { unref?: () => void }).unref?.();
    }
  }

  /**
   * Ends the sessions idle longer than `sessionIdleMs` with nothing in flight (also run on a
   * timer); resolves with how many were ended.
   */
  async expireIdleSessions(): Promise<number> {
    this.tasks.expire();
    const idleMs = this.idleMs;
    if (idleMs === null) return 0;
    const cutoff = this.now() - idleMs;
    const idle = [...this.sessions.all()].filter((s) => s.lastSeenAt <= cutoff && s.inflight.size === 0);
    await Promise.all(
      idle.map(async (s) => {
        const everywhere = await this.restorer.idleEverywhere(s, cutoff);
        return this.closeSession(s.id, s.principal, everywhere, everywhere ? 'expired' : 'relinquished');
      }),
    );
    await this.restorer.touchSeen();
    return idle.length;
  }

  stats(): CoordinatorStats {
    return {
      sessions: this.sessions.size,
      inFlight: this.routedInFlight,
      workers: this.fleet.workerCount,
      handshakes: this.fleet.handshakes,
      lateReplies: this.fleet.lateReplies,
    };
  }

  /** Handles one client message of a 2025-era client (parsed JSON; batches are split by the front door). */
  handle(message: unknown, context: HandleContext): Promise<Outcome> {
    return this.legacy.handle(message, context);
  }

  /**
   * Handles one 2026-07-28 request (stateless: no session, no handshake). The front door has
   * checked its era and standard headers. Requests of one affinity key (the principal, a header's
   * value, or `null` for none) share a stand-in session, so they reach the same worker of a shared
   * backend while it lives.
   */
  handleModern(message: unknown, context: ModernContext): Promise<Outcome> {
    return this.modern.handle(message, context);
  }

  /**
   * Puts another access policy in force (configuration reload), from the next request on: calls
   * already routed go on. Every client hears that the lists changed (what it may see did).
   */
  setPolicy(policy: AccessPolicy | undefined): void {
    this.policy.set(policy);
    this.notices.listsChanged(['tools', 'prompts', 'resources']);
  }

  /**
   * Serves a new set of backends (configuration reload). `stale` names the backends removed or
   * replaced: their cached lists are dropped. Throws the naming errors (`NameCollisionError`, …)
   * without changing anything when the new set is not valid. Every client hears that the lists
   * changed; sessions keep their bindings to the backends that stay.
   */
  reconfigure(backends: readonly BackendNamingConfig[], stale: readonly string[]): void {
    const naming = new Naming({
      backends,
      ...(this.options.separator !== undefined && { separator: this.options.separator }),
    });
    this.naming = naming;
    this.fleet.reconfigure(naming, stale);
    this.notices.listsChanged(['tools', 'prompts', 'resources']);
  }

  /** The session's server-initiated messages (list_changed, log messages); one reader. */
  outbound(sessionId: string, principal: string | null): AsyncIterable<JsonRpcMessage> | undefined {
    return this.sessions.get(sessionId, principal)?.outbound;
  }

  /**
   * Ends a session (HTTP DELETE): its requests in flight are cancelled. False when not found.
   * `forget: false` (shutting down) keeps its journal record, so the next process continues it.
   */
  async closeSession(
    sessionId: string,
    principal: string | null,
    forget = true,
    reason: SessionEndReason = forget ? 'deleted' : 'shutdown',
  ): Promise<boolean> {
    const session =
      this.sessions.get(sessionId, principal) ??
      (forget
        ? await this.restorer
            .restore(sessionId, principal)
            .then((r) => (r === 'full' || r === 'unavailable' ? undefined : r))
        : undefined);
    if (!session) return false;
    this.sessions.delete(sessionId);
    const { era, protocolVersion, openedAt } = session;
    this.options.onSessionEnd?.({
      id: sessionId,
      era,
      protocolVersion,
      openedAt,
      endedAt: this.now(),
      reason,
    });
    for (const inflight of [...session.inflight.values()]) inflight.abandon('cancelled', 'session closed');
    this.fleet.closeSession(sessionId);
    session.outbound.end();
    await this.options.tiers.endSession(sessionId).catch((e) => this.options.onError?.(e));
    if (this.sessions.countOf(session.principal) === 0) {
      // The principal's last session: its per-principal workers and lists may go.
      this.fleet.closePrincipal(session.principal);
      await this.options.tiers
        .endPrincipal?.(session.principal ?? '')
        .catch((e) => this.options.onError?.(e));
    }
    if (forget) await this.journal((j) => j.deleteSession(sessionId));
    else await this.restorer.touch(session);
    return true;
  }

  /**
   * Closes every session. Each request still in flight is answered first with a JSON-RPC error
   * (`CONNECTION_CLOSED`, -32000, `reason` as its message) on its stream or response, so no client
   * waits for its own timeout. The tier manager is the caller's to stop.
   */
  async close(reason = 'shutting down'): Promise<void> {
    clearInterval(this.sweeper);
    this.listens.endAll();
    // Tasks still running end first (outcome unknown, journaled), not as their calls are cut.
    await this.tasks.close();
    const all = [...this.sessions.all()];
    for (const session of all) {
      for (const [id, inflight] of [...session.inflight]) {
        inflight.abandon(
          'cancelled',
          reason,
          errorResponse(id, { code: CONNECTION_CLOSED, message: reason }),
        );
      }
    }
    // Their records stay in the journal: the next process continues them.
    await Promise.all(all.map((s) => this.closeSession(s.id, s.principal, false)));
  }

  // ── bounds on sessions ────────────────────────────────────────────────────────────────────

  /** A request refused at `limit`: its JSON-RPC error, and the HTTP status the front door answers with. */
  private refusal(
    id: RequestId | undefined,
    limit: keyof CoordinatorLimits,
    httpStatus: 429 | 503,
    words: string,
  ): Outcome {
    return { kind: 'response', httpStatus, message: limitReached(id, limit, this.limits[limit], words) };
  }

  /** 429 when the principal holds its most sessions, 503 when the gateway does; else nothing. */
  private sessionRefusal(id: RequestId | undefined, principal: string | null): Outcome | undefined {
    if (this.sessions.size >= this.limits.sessions) {
      return this.refusal(id, 'sessions', 503, 'the gateway holds as many sessions as it may');
    }
    // Anonymous clients cannot be told apart: they share the gateway-wide bound only.
    if (principal !== null && this.sessions.countOf(principal) >= this.limits.sessionsPerPrincipal) {
      return this.refusal(
        id,
        'sessionsPerPrincipal',
        429,
        'this principal holds as many sessions as it may; end one (HTTP DELETE) or wait for one to expire',
      );
    }
    return undefined;
  }

  // ── the routing core ───────────────────────────────────────────────────────────────────────

  // ── routed requests ────────────────────────────────────────────────────────────────────────

  /** Sends `request` (with the backend's own name or URI in `params`) to `backend`; a stream back. */
  private route(
    session: FrontSession,
    request: JsonRpcRequest,
    backend: string,
    params: JsonObject,
    started: number,
    retrySafe = false,
  ): Outcome {
    if (session.inflight.has(request.id)) {
      return {
        kind: 'response',
        message: invalidRequest(request.id, `request id ${JSON.stringify(request.id)} is already in flight`),
      };
    }
    if (session.stateLost.delete(backend)) return this.stateLost(session, request, backend, started);
    const setting = this.options.requestTimeoutMs ?? 60_000;
    // The backend's own name of the tool / prompt / resource (per-tool timeouts are in its terms).
    const ownName =
      typeof params.name === 'string' ? params.name : typeof params.uri === 'string' ? params.uri : null;
    const call = new Call(
      {
        session,
        request,
        backend,
        params,
        started,
        retrySafe,
        timeoutMs: typeof setting === 'number' ? setting : setting(backend, ownName),
        trace: this.options.tracing?.start({
          method: request.method,
          backend,
          name: nameOf(request),
          session: session.id,
          era: session.era,
          requestId: request.id,
        }),
      },
      this.callHooks,
    );
    this.routedInFlight++;
    call.run();
    return { kind: 'stream', messages: call.sink.stream };
  }

  // ── server-to-client requests ──────────────────────────────────────────────────────────────

  /** A 2026 retry carrying `requestState`: the answers go to the backend, the call resumes on this request. */
  private resumeWithInput(session: FrontSession, request: JsonRpcRequest, requestState: string): Outcome {
    return this.parking.resume(session.principal, request, requestState);
  }

  // ── lists changed on other nodes ───────────────────────────────────────────────────────────

  /**
   * Several nodes: every `requestState` this process issues from now on starts with `tag`, so the
   * node a client's multi-round-trip retry reaches can tell which node holds the parked call.
   */
  tagRequestStates(tag: string): void {
    this.requestStateTag = tag;
  }

  /**
   * Several nodes share the journal's tasks: task ids name this node, a task another live node runs
   * is read as the journal holds it, and status changes here go to `cluster.changed` (`TaskCluster`).
   */
  clusterTasks(cluster: TaskCluster): void {
    this.tasks.cluster(cluster);
  }

  /**
   * Task `taskId` changed on another node: the 2026 listens here that asked for it are told, and a
   * 2025 `tasks/result` here waiting for it looks again.
   */
  taskChangedElsewhere(taskId: string, detailed: JsonObject): void {
    this.listens.taskChanged(taskId, detailed);
    this.tasks.changedElsewhere(taskId);
  }

  /**
   * Tells `listener` when a shared backend's worker here said its lists changed (an isolated
   * backend's lists are its sessions' own); for a cluster bus to pass on. Returns the unsubscribe.
   */
  onSharedListsChanged(listener: (backend: string, kinds: readonly ListKind[]) => void): () => void {
    return this.notices.onSharedListsChanged(listener);
  }

  /**
   * A shared backend's lists changed on another node: the lists cached here are forgotten and every
   * session and listen here is told, as if a worker here had said it. `backend` undefined: lists of
   * every shared backend may have changed (news may have been missed).
   */
  listsChangedElsewhere(backend: string | undefined, kinds: readonly ListKind[]): void {
    this.notices.listsChangedElsewhere(backend, kinds);
  }

  /**
   * Tells `listener` when a shared backend's worker here said one of its resources was updated
   * (`params` of its `notifications/resources/updated`; an isolated backend's resources are its
   * sessions' own); for a cluster bus to pass on. Returns the unsubscribe.
   */
  onSharedResourceUpdated(listener: (backend: string, params: JsonObject) => void): () => void {
    return this.notices.onSharedResourceUpdated(listener);
  }

  /**
   * A shared backend's resource was updated on another node: the sessions and listens here that
   * subscribed to it are told, as if a worker here had said it (`params.uri`: the backend's URI).
   */
  resourceUpdatedElsewhere(backend: string, params: JsonObject): void {
    this.notices.resourceUpdatedElsewhere(backend, params);
  }

  /**
   * News from other nodes may have been missed (their bus was down): every subscriber here to a
   * shared backend's resource is told it may have been updated (a client reads it again).
   */
  resourcesMayHaveChangedElsewhere(): void {
    this.notices.resourcesMayHaveChangedElsewhere();
  }

  // ── sessions that outlive the process ──────────────────────────────────────────────────────

  /** Whether this process holds the 2025 session now (in memory, whoever its principal). */
  holds(sessionId: string): boolean {
    return this.sessions.find(sessionId) !== undefined;
  }

  /** The ids of the 2025 sessions this process holds. */
  heldSessionIds(): string[] {
    return [...this.sessions.all()].map((s) => s.id);
  }

  /**
   * Lets a held session go without ending it (another node owns it now): its requests in flight
   * are cancelled and its per-session workers end here; its journal record stays. False when not held.
   */
  async relinquish(sessionId: string): Promise<boolean> {
    const session = this.sessions.find(sessionId);
    return session ? this.closeSession(sessionId, session.principal, false, 'relinquished') : false;
  }

  /**
   * Brings back a 2025 session this process does not hold, whose record is in the journal (another
   * process held it: the gateway restarted, or several share the journal). For anyone but its
   * principal, or once idle past `sessionIdleMs`, it does not exist. True when it is now held here.
   */
  async restoreSession(sessionId: string, principal: string | null): Promise<boolean | 'unavailable'> {
    if (this.sessions.get(sessionId, principal)) return true;
    const restored = await this.restorer.restore(sessionId, principal);
    if (restored === 'unavailable') return restored;
    return restored !== undefined && restored !== 'full';
  }

  /**
   * A restored session's resource subscriptions, made again at their backends: the workers that
   * held them ended with the previous process. Only shared backends' — an isolated backend's state
   * is lost, and the session is told at its first call. Each goes as an ordinary routed request
   * (audited, admitted) whose answer nobody waits for; one that fails is in the audit.
   */
  private async resubscribe(
    session: FrontSession,
    subscriptions: readonly [string, string][],
  ): Promise<void> {
    let n = 0;
    for (const [key] of subscriptions) {
      const cut = key.indexOf('\u0000');
      const backend = key.slice(0, cut);
      const uri = key.slice(cut + 1);
      if (cut <= 0 || !this.naming.has(backend) || this.fleet.isIsolated(backend)) continue;
      const request: JsonRpcRequest = {
        jsonrpc: JSONRPC_VERSION,
        id: `switchyard/resubscribe/${++n}`,
        method: 'resources/subscribe',
        params: { uri },
      };
      const outcome = this.route(session, request, backend, { uri }, this.now());
      if (outcome.kind === 'stream') for await (const _ of outcome.messages);
    }
  }

  /** The first call of a restored session to an isolated backend whose worker ended with the old process. */
  private stateLost(
    session: FrontSession,
    request: JsonRpcRequest,
    backend: string,
    started: number,
  ): Outcome {
    const words = `backend "${backend}" kept state for this session in a worker that ended with the gateway's previous process: that state is lost`;
    if (this.options.sessionStateLost === 'end-session') {
      void this.closeSession(session.id, session.principal);
      return {
        kind: 'session-not-found',
        message: errorResponse(request.id, {
          code: INVALID_REQUEST,
          message: `${words}; the session is ended`,
        }),
      };
    }
    const message = errorResponse(request.id, {
      code: SESSION_STATE_LOST,
      message: `${words}; the next call starts it afresh`,
      data: { backend },
    });
    this.trail.record({
      session,
      method: request.method,
      name: nameOf(request),
      backend,
      started,
      outcome: 'error',
      response: message,
    });
    return { kind: 'response', message };
  }

  // ── journal ────────────────────────────────────────────────────────────────────────────────

  private async journal(fn: (j: Journal) => Promise<unknown>): Promise<void> {
    if (!this.options.journal) return;
    try {
      await fn(this.options.journal);
    } catch (e) {
      this.options.onError?.(e);
    }
  }
}
