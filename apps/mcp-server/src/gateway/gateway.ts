/**
 * The gateway assembled from a configuration: the journal (SQLite), the tier manager with one
 * backend per served entry, the port that makes its workers MCP peers, and the coordinator in
 * front. `startGateway` resolves once the hot backends are ready or have failed (a failed
 * backend is reported, not fatal: the others are served), and rejects with a `ConfigError` when
 * no backend can be served; `stop` ends sessions, stops every worker and closes the journal.
 */

import {
  type BackendNamingConfig,
  DEFAULT_AUDIT_PAYLOAD_CHARS,
  MCPCoordinator,
  MultiTierPort,
  Naming,
} from '@switchyard/coordinator';
import type { Journal } from '@switchyard/journal';
import {
  type CommitInfo,
  createJournal,
  isJournalOpenError,
  type JournalDriver,
  redisDriver,
  splitDriver,
  sqliteDriver,
} from '@switchyard/journal';
import {
  type BackendAdmission,
  type BackendSpec,
  MultiTierPoolManager,
  type StartReport,
} from '@switchyard/multi-tier';
import { SubjectTokens } from '../auth/subject-tokens.ts';
import { TokenExchanger } from '../auth/token-exchange.ts';
import { ConfigError } from '../config/errors.ts';
import type { BackendConfig, GatewayConfig } from '../config/resolve.ts';
import { policyOption } from '../policy/access-policy.ts';
import { resolveTelemetry } from '../telemetry/settings.ts';
import type { GatewayTelemetry } from '../telemetry/telemetry.ts';
import { Activity } from './activity.ts';
import { backendSpec } from './backend-spec.ts';
import { planReload, type ReloadReport, reportOf } from './reload.ts';

export interface GatewayOptions {
  /** `serverInfo.version`. */
  version: string;
  /**
   * The gateway's environment, which stdio backends draw on (the minimal set by default, more with
   * `inheritEnv`). Default `process.env`.
   */
  env?: Record<string, string | undefined>;
  /** Background errors (journal writes, a session's cleanup). */
  onError?: (error: unknown) => void;
  /**
   * The operator's log (pino's `warn` / `error` fit): backends that fail and workers that die, with
   * their stderr tail — which clients never get (they get the reason: `exit code 3`).
   */
  log?: GatewayLog;
}

/** Where the gateway logs what only the operator may read. */
export interface GatewayLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface BackendStatus {
  name: string;
  kind: BackendConfig['kind'];
}

export interface Gateway {
  /** The configuration in force (replaced by a successful `reload`). */
  readonly config: GatewayConfig;
  readonly coordinator: MCPCoordinator;
  readonly manager: MultiTierPoolManager;
  /** Each principal's access token as last accepted at the front door (for token exchange). */
  readonly subjectTokens: SubjectTokens;
  /** Token exchange for remotes with `tokenExchange`, when `switchyard.auth.oauth.tokenExchange` is set. */
  readonly exchanger: TokenExchanger | undefined;
  readonly journal: Journal;
  readonly activity: Activity;
  /** OpenTelemetry traces and metrics, when `switchyard.telemetry` (or `OTEL_*`) turns them on. */
  readonly telemetry: GatewayTelemetry | undefined;
  readonly backends: readonly BackendStatus[];
  /**
   * Admission of each served backend — its calls in flight and queued, and its limit
   * (`limits.concurrency` × `replicas.max`) — as the tier manager keeps it, beside the backend's pool.
   */
  readonly admission: Readonly<Record<string, BackendAdmission>>;
  /** The hot backends' start: which are ready and which failed. */
  readonly started: StartReport;
  /** `serverInfo.version`. */
  readonly version: string;
  /** When the gateway started, ms since the epoch. */
  readonly startedAt: number;
  /** Aborted when `stop` begins: long-lived streams (dashboards) end on it. */
  readonly closing: AbortSignal;
  /** The protocol era a backend was found to speak (`2025` / `2026`), once one of its workers is ready. */
  eraOf(backend: string): '2025' | '2026' | undefined;
  /** Hear of each journal group commit (metrics); returns the unsubscribe function. */
  onJournalCommit(listener: (info: CommitInfo) => void): () => void;
  /**
   * Applies a new configuration: backends added, removed or replaced (in-flight requests on a
   * removed one may finish within `drainMs`), sessions on unchanged backends untouched. Rejects,
   * changing nothing, when the new set of names collides. Settings other than the backends take
   * effect at the next start (the report lists them).
   */
  reload(next: GatewayConfig, options?: { drainMs?: number }): Promise<ReloadReport>;
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

export const SERVER_NAME = 'switchyard';

/**
 * The environment stdio backends may draw on (see `stdioEnv`: by default only a minimal set of it):
 * the gateway's, less every variable holding one of the front door's bearer tokens — a backend has
 * no business reading a client's credentials, even with `inheritEnv: true`.
 */
function withoutSecrets(
  env: Record<string, string | undefined>,
  tokens: readonly { token: string }[],
): Record<string, string | undefined> {
  const secrets = new Set(tokens.map((t) => t.token));
  return Object.fromEntries(
    Object.entries(env).filter(([, value]) => value === undefined || !secrets.has(value)),
  );
}

/**
 * The journal's Redis URL and its password, as values a backend's environment must not carry
 * (the URL may come from `${REDIS_URL}`, the password from `${REDIS_PASSWORD}`).
 */
function redisSecrets(url: string | undefined): { token: string }[] {
  if (url === undefined) return [];
  const password = URL.parse(url)?.password;
  const secrets = [{ token: url }];
  if (password) {
    secrets.push({ token: password });
    try {
      secrets.push({ token: decodeURIComponent(password) });
    } catch {
      // Not percent-encoded as a whole: the raw form is the one to hide.
    }
  }
  return secrets;
}

/**
 * A backend as the coordinator names and isolates it (a remote backend's connection is shared, or
 * one per principal).
 */
function namingOf(b: BackendConfig): BackendNamingConfig {
  return {
    name: b.name,
    prefix: b.prefix,
    tools: b.tools,
    isolation: b.kind === 'remote' && b.isolation !== 'per-principal' ? 'shared' : b.isolation,
  };
}

/**
 * The backends' lifecycle in the operator's log, at the default level: started (pid, tier, ms),
 * stopped (why), crashed (exit code or signal, stderr tail), failed (the state, the next try),
 * restarting, recovered, added and removed by a reload.
 */
function logLifecycle(manager: MultiTierPoolManager, log: GatewayLog): void {
  /** What `worker-starting` said, until the worker is ready. */
  const starting = new Map<number, { tier: string; reason: string }>();
  /** The delay a failed backend's next try was given, by backend. */
  const retryIn = new Map<string, number>();
  // Subscribed before start: hot backends starting and failing are logged too.
  manager.on('worker-starting', (e) => starting.set(e.workerId, { tier: e.tier, reason: e.reason }));
  manager.on('worker-ready', (e) => {
    const how = starting.get(e.workerId);
    starting.delete(e.workerId);
    log.info(
      {
        backend: e.backend,
        workerId: e.workerId,
        pid: e.pid,
        ...(how && { tier: how.tier, why: how.reason }),
        ms: Math.round(e.startMs),
      },
      'backend started',
    );
  });
  manager.on('worker-stopped', (e) => {
    starting.delete(e.workerId);
    log.info({ backend: e.backend, workerId: e.workerId, why: e.reason }, 'backend stopped');
  });
  manager.on('worker-died', (e) => {
    starting.delete(e.workerId);
    log.warn(
      {
        backend: e.backend,
        workerId: e.workerId,
        pid: e.pid,
        detail: e.detail,
        stderrTail: e.stderrTail,
        ...(e.principal !== undefined
          ? { principal: e.principal }
          : e.session !== undefined && { session: e.session }),
      },
      'backend worker died',
    );
  });
  manager.on('backend-failed', (e) => {
    retryIn.set(e.backend, Math.round(e.retryInMs));
    log.error(
      {
        backend: e.backend,
        state: 'failed',
        reason: e.reason,
        failures: e.failures,
        retryInMs: Math.round(e.retryInMs),
        stderrTail: e.stderrTail,
      },
      'backend failed',
    );
  });
  manager.on('backend-retry', (e) =>
    log.info(
      { backend: e.backend, attempt: e.failures + 1, afterMs: retryIn.get(e.backend) },
      'backend restarting',
    ),
  );
  manager.on('backend-recovered', (e) => log.info({ backend: e.backend }, 'backend recovered'));
  manager.on('backend-added', (e) =>
    log.info({ backend: e.backend, tier: e.tier, isolation: e.isolation }, 'backend added'),
  );
  manager.on('backend-removed', (e) =>
    log.info({ backend: e.backend, leasesCut: e.leasesCut }, 'backend removed'),
  );
}

export async function startGateway(config: GatewayConfig, options: GatewayOptions): Promise<Gateway> {
  const serverInfo = { name: SERVER_NAME, version: options.version };
  const port = new MultiTierPort(serverInfo);
  const specs: Record<string, BackendSpec> = {};
  const childEnv = withoutSecrets(options.env ?? process.env, [
    ...config.settings.auth.tokens,
    ...redisSecrets(config.settings.journal.redis?.url),
  ]);
  const subjectTokens = new SubjectTokens();
  const exchange = config.settings.auth.oauth?.tokenExchange;
  const exchanger = exchange && new TokenExchanger(exchange);
  // Per-principal remotes with tokenExchange: each principal's connection carries its exchanged token.
  const identity = {
    subjects: subjectTokens,
    exchanger,
    warn:
      options.log &&
      ((fields: Record<string, unknown>, message: string) => options.log?.warn(fields, message)),
  };
  const specOf = (backend: BackendConfig) =>
    backendSpec(
      backend,
      // 2026-07-28 has no HTTP+SSE transport: an `sse` remote speaks 2025.
      port.readyHookFor(
        backend.kind === 'remote' && backend.transport === 'sse' ? '2025' : backend.era,
        backend.warmup ? { warmup: backend.warmup } : {},
      ),
      childEnv,
      identity,
    );
  for (const backend of config.backends) specs[backend.name] = specOf(backend);
  let statuses: BackendStatus[] = config.backends.map((b) => ({ name: b.name, kind: b.kind }));
  // Every backend is a pool of the tier manager: stdio, module and remote (shared or per principal).
  const served = config.backends;
  // Remote backends alone are a gateway too; with none at all there is nothing to serve.
  if (config.backends.length === 0) {
    throw new ConfigError(config.source, [
      {
        path: 'mcpServers',
        expected: 'at least one enabled backend (stdio, module or remote)',
        found: 'none',
      },
    ]);
  }
  const { settings } = config;
  const commitListeners = new Set<(info: CommitInfo) => void>();
  const local = sqliteDriver({
    path: settings.journal.path,
    cacheSizeKiB: settings.journal.cacheKiB,
    mmapSizeBytes: settings.journal.mmapBytes,
    // Commits (zstd + SQLite) on a thread of their own, off the event loop that serves requests.
    writer: settings.journal.path === ':memory:' ? 'inline' : 'thread',
    onCommit: (info) => {
      for (const l of commitListeners) l(info);
    },
  });
  // With journal.redis (several nodes): sessions and stream events in the Redis every node shares,
  // the audit trail in this node's SQLite file.
  const shared = settings.journal.redis;
  const driver: JournalDriver = shared
    ? splitDriver({
        sessions: redisDriver({
          url: shared.url,
          ...(shared.keyPrefix !== undefined && { keyPrefix: shared.keyPrefix }),
        }),
        audit: local,
      })
    : local;
  const journal = await createJournal({
    driver,
    retention: settings.journal.retention,
    ...(options.onError && { onError: options.onError }),
  }).catch((error: unknown) => {
    // Redis unreachable at start: a configuration problem, named by its key (the message carries
    // the URL with its password masked). A SQLite file that cannot open is reported as it is.
    if (shared && isJournalOpenError(error) && error.path !== settings.journal.path) {
      throw new ConfigError(config.source, [
        {
          path: 'switchyard.journal.redis.url',
          expected: 'a Redis (≥ 7) or Valkey server that answers',
          found: error.message,
        },
      ]);
    }
    throw error;
  });
  const manager = new MultiTierPoolManager({
    backends: specs,
    budget: { maxWorkers: settings.budget.processes, maxMemoryMb: settings.budget.memoryMb },
  });
  const log = options.log;
  if (log) logLifecycle(manager, log);
  port.use(manager);
  const activity = new Activity();
  const telemetrySettings = resolveTelemetry(settings.telemetry, options.env ?? process.env);
  // The OpenTelemetry SDK and exporters load only when telemetry is on (~0.1 s of start-up otherwise).
  const telemetry = telemetrySettings
    ? (await import('../telemetry/telemetry.ts')).startTelemetry(telemetrySettings, {
        version: options.version,
        manager,
        activity,
      })
    : undefined;
  // Each backend's admission is the tier manager's (its spec's `concurrency` and `queue`): a view by name.
  const admission: Record<string, BackendAdmission> = {};
  for (const b of served) {
    const figures = manager.admission(b.name);
    if (figures) admission[b.name] = figures;
  }
  const closing = new AbortController();
  const coordinator = new MCPCoordinator({
    tiers: port,
    backends: served.map(namingOf),
    separator: settings.namespacing.separator,
    serverInfo,
    journal,
    requestTimeoutMs: (backend, name) => {
      const timeouts = current.backends.find((b) => b.name === backend)?.timeouts;
      return (name === null ? undefined : timeouts?.tools[name]) ?? timeouts?.callMs ?? 60_000;
    },
    // With telemetry on, a recent call keeps its trace id (the dashboard shows it).
    onAudit: telemetry
      ? (entry) => activity.record(entry, telemetry.calls.traceIdOf(entry))
      : (entry) => activity.record(entry),
    onSessionEnd: (end) => activity.endSession(end),
    ...policyOption(settings.policy),
    ...(telemetry && { tracing: telemetry.calls }),
    sessionIdleMs: settings.sessions.idleTimeoutMs,
    sessionStateLost: settings.sessions.stateLost,
    auditPayloadChars: settings.journal.auditPayloads ? DEFAULT_AUDIT_PAYLOAD_CHARS : 0,
    limits: {
      sessions: settings.limits.sessions,
      // Without tokens or OAuth every client is the one principal `local`: only the gateway-wide bound applies.
      sessionsPerPrincipal:
        settings.auth.tokens.length === 0 && settings.auth.oauth === undefined
          ? settings.limits.sessions
          : settings.limits.sessionsPerPrincipal,
      listensPerSession: settings.limits.listensPerSession,
      pendingClientRequestsPerSession: settings.limits.pendingClientRequestsPerSession,
      tasksPerPrincipal: settings.limits.tasksPerPrincipal,
      taskTtlMs: settings.limits.taskTtlMs,
      taskResultBytes: settings.limits.taskResultBytes,
    },
    ...(options.onError && { onError: options.onError }),
    // A backend's log line no client may see (its worker served several principals) or that no
    // session asked for goes to the gateway's own log.
    ...(options.log && {
      onBackendLog: (backend: string, worker: string, params: Record<string, unknown>) =>
        options.log?.info({ backend, worker, message: params }, 'backend log'),
    }),
  });
  let started: StartReport;
  try {
    started = await manager.start();
  } catch (error) {
    await manager.stop();
    await journal.close();
    await telemetry?.shutdown();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  let current = config;
  let reloading: Promise<ReloadReport> = Promise.resolve(reportOf(planReload(config, config)));

  /** Starts serving `backend` (its tier manager entry, which holds its admission). */
  const serve = async (backend: BackendConfig) => {
    const adding = manager.addBackend(backend.name, specOf(backend));
    const figures = manager.admission(backend.name);
    if (figures) admission[backend.name] = figures;
    await adding;
  };
  const unserve = async (name: string, drainMs: number) => {
    if (manager.backends.includes(name)) await manager.removeBackend(name, { timeoutMs: drainMs });
    delete admission[name];
  };
  const applyReload = async (next: GatewayConfig, drainMs: number): Promise<ReloadReport> => {
    const plan = planReload(current, next);
    const names = next.backends.map(namingOf);
    // Validates the new names (a collision throws) before anything changes.
    new Naming({ backends: names, separator: settings.namespacing.separator });
    for (const backend of plan.added) await serve(backend);
    const stale = [...plan.removed, ...plan.replaced.map((b) => b.name)];
    coordinator.reconfigure(names, stale);
    for (const backend of plan.replaced) {
      await unserve(backend.name, drainMs);
      await serve(backend);
    }
    await Promise.all(plan.removed.map((name) => unserve(name, drainMs)));
    if (plan.applied.includes('switchyard.policy'))
      coordinator.setPolicy(policyOption(next.settings.policy).policy);
    // Settings wait for the next start, but those the reload applied.
    current = { ...next, settings: { ...current.settings, policy: next.settings.policy } };
    statuses = next.backends.map((b) => ({ name: b.name, kind: b.kind }));
    return reportOf(plan);
  };

  return {
    get config() {
      return current;
    },
    coordinator,
    manager,
    subjectTokens,
    exchanger,
    journal,
    activity,
    telemetry,
    get backends() {
      return statuses;
    },
    admission,
    started,
    version: options.version,
    startedAt: Date.now(),
    closing: closing.signal,
    eraOf(name) {
      const era = port.eraOf(name);
      return era === undefined ? undefined : era === 'modern' ? '2026' : '2025';
    },
    onJournalCommit(listener) {
      commitListeners.add(listener);
      return () => commitListeners.delete(listener);
    },
    reload(next, reloadOptions = {}) {
      // One reload at a time, in the order asked.
      reloading = reloading
        .catch(() => undefined)
        .then(() => applyReload(next, reloadOptions.drainMs ?? 10_000));
      return reloading;
    },
    stop(stopOptions = {}) {
      stopping ??= (async () => {
        closing.abort();
        // Calls still in flight are answered: -32000 "gateway shutting down".
        await coordinator.close('gateway shutting down');
        await manager.stop(stopOptions.timeoutMs === undefined ? {} : { timeoutMs: stopOptions.timeoutMs });
        await journal.close();
        await telemetry?.shutdown();
      })();
      return stopping;
    },
  };
}
