/**
 * What a caller says about each backend and about the manager, the defaults, and the checks: a bad
 * option throws a `TypeError` or `RangeError` naming it (`backends.foo.replicas.min must be an
 * integer ≥ 0, got -1`).
 */
import type { Clock, RandomSource } from '@switchyard/flow-balancer';
import type { CancelMessageFn, HealthOptions, PoolWorker, RemoteTransport } from '@switchyard/worker-pool';
import { RemoteBackendNotSupportedError } from './errors.ts';

/** What a backend's workers are kept as. */
export type Tier = 'hot' | 'warm' | 'cold';
/** A tier, or `auto`: the manager moves the backend between tiers as its demand changes. */
export type TierSetting = Tier | 'auto';
/**
 * `shared`: one worker serves many sessions. `per-principal`: each principal (the `principal` of
 * an acquire) gets its own worker, shared by that principal's sessions. `per-session`: each
 * session gets its own worker.
 */
export type Isolation = 'shared' | 'per-principal' | 'per-session';

export interface ReadyContext {
  readonly backend: string;
  /** The manager's id of the worker being made ready. */
  readonly workerId: number;
}

/**
 * Makes a fresh worker ready (for MCP: `initialize` + `notifications/initialized`). Its rejection is
 * a failed start of the backend (health, backoff) — unless it is a `BindingRefusedError` on a worker
 * bound to a principal or session: then that binding alone is refused (see the error).
 */
export type ReadyHook = (worker: PoolWorker, context: ReadyContext) => Promise<unknown>;

/** Checks a principal before its worker of a per-principal backend starts; rejects to refuse. */
export type AuthorizeHook = (principal: string, signal: AbortSignal | undefined) => Promise<void>;

/** What a remote worker's `connect` is told of the worker it makes a connection for. */
export interface ConnectContext {
  /**
   * The principal a per-principal backend's worker is started for, so its connection can carry
   * that principal's credentials. Undefined for a spare (unbound) worker — so a backend whose
   * connections carry an identity keeps no spares (`spares: 0`) — and for other isolations.
   */
  readonly principal?: string;
}

/**
 * A new, not yet started transport to a remote server for worker `workerId` (the backend pool's id of
 * the worker, as the `ready` hook's `worker.id`). Throwing `BindingRefusedError` refuses the
 * principal it is for alone, like the `ready` hook.
 */
export type RemoteConnect = (
  workerId: number,
  context: ConnectContext,
) => RemoteTransport | Promise<RemoteTransport>;

export interface RetryOptions {
  /** First delay before a failed backend is tried again, ms. Default 1000. */
  baseDelayMs?: number;
  /** Ceiling of the doubling delay, ms. Default 60 000. */
  maxDelayMs?: number;
  /** Share of each delay randomised (0…1). Default 0.2. */
  jitter?: number;
  /** Workers dying this many times within `windowMs` (after being ready) fail the backend. Default 3. */
  maxCrashes?: number;
  /** Default 60 000. */
  windowMs?: number;
}

interface CommonBackendSpec {
  /** Default `warm`. */
  tier?: TierSetting;
  /** Default `shared`. */
  isolation?: Isolation;
  /**
   * `shared`: workers kept by `hot` (`min`, default 1 when hot, else 0) and at most (`max`,
   * default max(min, 1)). `per-session` / `per-principal`: `max` bounds the bound workers plus
   * spares (default 16).
   */
  replicas?: { min?: number; max?: number };
  /**
   * `per-session` / `per-principal`: ready workers kept unbound for new sessions (principals) — hot
   * always, warm while in use. Default 1.
   */
  spares?: number;
  /**
   * `per-session`: when a spare is handed to a session, its replacement starts this much later, so
   * that the start (a process spawning and initializing) does not take CPU from the new session's
   * first requests. A session that finds no spare meanwhile starts its own worker. Default 100 ms.
   */
  spareRefillDelayMs?: number;
  /**
   * The estimated memory of one worker, MiB, for the global budget. A process worker counts it only
   * until its resident memory is first measured (`budget.sampleIntervalMs`); a thread worker counts
   * it always (threads share the gateway's process: there is nothing of their own to measure).
   * Default 64 (stdio), 16 (module).
   */
  memoryMb?: number;
  /** Warm: how long an unused worker is kept after its last use, ms. Default 60 000. */
  idleTtlMs?: number;
  /** Runs on each new worker before it is handed out. */
  ready?: ReadyHook;
  /**
   * `per-principal`: asked before a principal's worker is started (e.g. whether its credentials for
   * a remote can be had). A rejection fails that acquire alone, with its error: the backend's health
   * is not touched, and no worker is started.
   */
  authorize?: AuthorizeHook;
  /** A worker not ready (spawned and `ready` done) within this is a failed start. Default 30 000. */
  readyTimeoutMs?: number;
  /** Requests in flight on one worker (worker-pool's `concurrency`). */
  concurrency?: number;
  /**
   * Calls (acquires with `admit`) waiting for a place when `concurrency` × `replicas.max` are in
   * flight; more are refused at once with BackendOverloadedError. Default 256.
   */
  queue?: number;
  /** Health checks of each worker (worker-pool's `health`). */
  health?: HealthOptions;
  /** Retry of a failed backend; defaults from the manager's `retry`. */
  retry?: RetryOptions;
  /** Processes: after stdin is closed, wait this long before SIGTERM. Default 2000. */
  stopGraceMs?: number;
  /** Processes: after SIGTERM, wait this long before SIGKILL. Default 2000. */
  killGraceMs?: number;
  /**
   * Shared backends with several workers: a worker whose calls fail (see `Lease.report`) is left
   * out of the choice for a while, as long as another ready worker serves. `false` turns it off.
   */
  outlier?: OutlierOptions | false;
  /**
   * The backend's circuit breaker: when its calls fail at a high rate, acquires fail fast with
   * `BackendCircuitOpenError` for a cooldown, then one probe is let through. `false` turns it off.
   */
  breaker?: BreakerOptions | false;
}

export interface OutlierOptions {
  /** Failures in a row that eject a worker. Default 5. */
  consecutiveFailures?: number;
  /** The first ejection's length, ms; each further one lasts longer (× ejections). Default 30 000. */
  ejectionMs?: number;
  /** The longest ejection, ms. Default max(ejectionMs, 300 000). */
  maxEjectionMs?: number;
  /**
   * Most workers ejected at once, as a percentage of the backend's ready workers (at least one is
   * always served: an ejected worker still serves when no other is ready). Default 50.
   */
  maxEjectionPercent?: number;
}

export interface BreakerOptions {
  /** The share of failed calls in the window that opens the breaker, in (0, 1]. Default 0.5. */
  failureRate?: number;
  /** Calls in the window before the rate counts. Default 20. */
  minimumCalls?: number;
  /** The sliding window, ms. Default 10 000. */
  windowMs?: number;
  /** How long the breaker stays open the first time, ms (longer after each failed probe). Default 10 000. */
  cooldownMs?: number;
  /** The longest it stays open, ms. Default max(cooldownMs, 300 000). */
  maxCooldownMs?: number;
}

/** A stdio MCP server: a command speaking newline-delimited JSON-RPC on stdin/stdout. */
export interface StdioBackendSpec extends CommonBackendSpec {
  kind: 'stdio';
  command: string;
  args?: readonly string[];
  /** The child's whole environment (default: the parent's). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** The message that cancels a request on the wire (for MCP: worker-pool's `mcpCancelMessage`). */
  cancelMessage?: CancelMessageFn;
  /** Stderr lines kept per worker. Default 100. */
  stderrLines?: number;
}

/** In-process tools: a module whose exported functions run on worker threads. */
export interface ModuleBackendSpec extends CommonBackendSpec {
  kind: 'module';
  module: string | URL;
  /** Added to the threads' environment. */
  env?: Record<string, string>;
}

/**
 * A remote MCP server: each worker is one connection (one MCP session) made by `connect` — a
 * transport of the MCP SDK's `Transport` shape, e.g. a `StreamableHTTPClientTransport` to `url` —
 * with tiers, isolation, health and the budget like the other kinds. Without `connect` this package
 * cannot reach it: configuring one throws RemoteBackendNotSupportedError.
 */
export interface RemoteBackendSpec extends CommonBackendSpec {
  kind: 'remote';
  url: string | URL;
  /** A new, not yet started transport to the server for worker `workerId`. */
  connect?: RemoteConnect;
  /** The message that cancels a request on the wire (for MCP: worker-pool's `mcpCancelMessage`). */
  cancelMessage?: CancelMessageFn;
}

export type BackendSpec = StdioBackendSpec | ModuleBackendSpec | RemoteBackendSpec;

export interface BudgetOptions {
  /** Workers (processes and threads) alive at once, across backends. Default unlimited. */
  maxWorkers?: number;
  /**
   * The most memory the workers may hold together, MiB: each process worker's last measured
   * resident memory (VmRSS), or its backend's `memoryMb` estimate until measured; each thread
   * worker's estimate. Default unlimited.
   */
  maxMemoryMb?: number;
  /**
   * How often each process worker's resident memory is measured, ms (on the manager's clock); a
   * worker is also measured as it becomes ready. 0: never — every worker counts its estimate.
   * Default 5000.
   */
  sampleIntervalMs?: number;
}

export interface AutoOptions {
  /** How often the auto policy looks at demand, ms. Default 1000. */
  intervalMs?: number;
  /** Time constant of the arrival-rate EWMA, ms. Default 60 000. */
  rateWindowMs?: number;
  /** Hot when the waiting a resident worker saves (arrivals/s × start ms) reaches this, ms/s. Default 50. */
  hotThresholdMsPerSec?: number;
  /** Warm when the next use within `idleTtlMs` is at least this likely. Default 0.5. */
  warmProbability?: number;
  /** A backend leaves a tier only when its figure is this share below the threshold. Default 0.25. */
  hysteresis?: number;
  /** A backend stays in a tier at least this long before another change, ms. Default 5000. */
  minDwellMs?: number;
  /** The start cost assumed until one is measured, ms. Default 500. */
  startCostPriorMs?: number;
  /** The tier of an `auto` backend before any demand is seen. Default `cold`. */
  initialTier?: Tier;
}

export interface MultiTierOptions {
  backends: Record<string, BackendSpec>;
  budget?: BudgetOptions;
  auto?: AutoOptions;
  /** Default retry of failed backends. */
  retry?: RetryOptions;
  /** Drives TTLs, retries, deadlines and the auto policy. Default: the system clock. */
  clock?: Clock;
  /** Jitter of retries. Default `Math.random`. */
  random?: RandomSource;
}

// ── resolved ────────────────────────────────────────────────────────────────────────────────

export interface ResolvedRetry {
  baseDelayMs: number;
  maxDelayMs: number;
  jitter: number;
  maxCrashes: number;
  windowMs: number;
}

/** What a worker of the backend is, in worker-pool's terms (less min/max/ready/restart). */
export type WorkerSource =
  | {
      kind: 'process';
      command: string;
      args: readonly string[];
      env: Record<string, string | undefined> | undefined;
      cwd: string | undefined;
      cancelMessage: CancelMessageFn | undefined;
      stderrLines: number | undefined;
    }
  | { kind: 'thread'; module: string | URL; env: Record<string, string> | undefined }
  | {
      kind: 'remote';
      url: string;
      connect: RemoteConnect;
      cancelMessage: CancelMessageFn | undefined;
    };

export interface ResolvedBackend {
  name: string;
  source: WorkerSource;
  tier: TierSetting;
  isolation: Isolation;
  min: number;
  max: number;
  spares: number;
  spareRefillDelayMs: number;
  memoryMb: number;
  idleTtlMs: number;
  ready: ReadyHook | undefined;
  authorize: AuthorizeHook | undefined;
  readyTimeoutMs: number;
  concurrency: number | undefined;
  queue: number;
  health: HealthOptions | undefined;
  retry: ResolvedRetry;
  stopGraceMs: number;
  killGraceMs: number;
  outlier: Required<OutlierOptions> | false;
  breaker: Required<BreakerOptions> | false;
}

export interface ResolvedBudget {
  maxWorkers: number;
  maxMemoryMb: number;
  /** 0: memory is not measured. */
  sampleIntervalMs: number;
}

export type ResolvedAuto = Required<AutoOptions>;

export interface ResolvedOptions {
  backends: ResolvedBackend[];
  budget: ResolvedBudget;
  auto: ResolvedAuto;
  /** The manager's default retry (a backend added later inherits it). */
  retry: ResolvedRetry;
}

// ── checks ──────────────────────────────────────────────────────────────────────────────────

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

function integer(path: string, v: unknown, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !(Number.isInteger(v) || v === Number.POSITIVE_INFINITY) || v < min) {
    const err = typeof v === 'number' ? RangeError : TypeError;
    throw new err(`${path} must be an integer ≥ ${min}, got ${show(v)}`);
  }
  return v;
}

function number(path: string, v: unknown, fallback: number, min: number, max = Number.POSITIVE_INFINITY) {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || Number.isNaN(v))
    throw new TypeError(`${path} must be a number, got ${show(v)}`);
  if (v < min || v > max) {
    const range = max === Number.POSITIVE_INFINITY ? `≥ ${min}` : `between ${min} and ${max}`;
    throw new RangeError(`${path} must be ${range}, got ${v}`);
  }
  return v;
}

function oneOf<T extends string>(path: string, v: unknown, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (!allowed.includes(v as T)) {
    throw new TypeError(`${path} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${show(v)}`);
  }
  return v as T;
}

function objectAt(path: string, v: unknown): Record<string, unknown> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new TypeError(`${path} must be an object, got ${show(v)}`);
  }
  return v as Record<string, unknown>;
}

function fnAt<T>(path: string, v: unknown): T | undefined {
  if (v !== undefined && typeof v !== 'function') throw new TypeError(`${path} must be a function`);
  return v as T | undefined;
}

function nonEmptyString(path: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) {
    throw new TypeError(`${path} must be a non-empty string, got ${show(v)}`);
  }
  return v;
}

export function resolveRetry(path: string, v: unknown, base?: ResolvedRetry): ResolvedRetry {
  const r = objectAt(path, v);
  const retry = {
    baseDelayMs: number(`${path}.baseDelayMs`, r.baseDelayMs, base?.baseDelayMs ?? 1000, 0),
    maxDelayMs: number(`${path}.maxDelayMs`, r.maxDelayMs, base?.maxDelayMs ?? 60_000, 0),
    jitter: number(`${path}.jitter`, r.jitter, base?.jitter ?? 0.2, 0, 1),
    maxCrashes: integer(`${path}.maxCrashes`, r.maxCrashes, base?.maxCrashes ?? 3, 1),
    windowMs: number(`${path}.windowMs`, r.windowMs, base?.windowMs ?? 60_000, 1),
  };
  if (retry.maxDelayMs < retry.baseDelayMs) {
    throw new RangeError(
      `${path}.maxDelayMs (${retry.maxDelayMs}) must be ≥ ${path}.baseDelayMs (${retry.baseDelayMs})`,
    );
  }
  return retry;
}

function resolveSource(path: string, name: string, s: Record<string, unknown>): WorkerSource {
  const kind = oneOf(`${path}.kind`, s.kind, ['stdio', 'module', 'remote'] as const, 'stdio');
  if (s.kind === undefined) throw new TypeError(`${path}.kind must be one of 'stdio', 'module', 'remote'`);
  if (kind === 'remote') {
    const url = s.url instanceof URL ? s.url.href : nonEmptyString(`${path}.url`, s.url);
    const connect = fnAt<RemoteConnect>(`${path}.connect`, s.connect);
    if (!connect) throw new RemoteBackendNotSupportedError(name, url);
    return { kind: 'remote', url, connect, cancelMessage: fnAt(`${path}.cancelMessage`, s.cancelMessage) };
  }
  if (kind === 'module') {
    if (!(s.module instanceof URL)) nonEmptyString(`${path}.module`, s.module);
    return {
      kind: 'thread',
      module: s.module as string | URL,
      env: objectAt(`${path}.env`, s.env) as Record<string, string>,
    };
  }
  const args = s.args ?? [];
  if (!Array.isArray(args) || args.some((a) => typeof a !== 'string')) {
    throw new TypeError(`${path}.args must be an array of strings`);
  }
  return {
    kind: 'process',
    command: nonEmptyString(`${path}.command`, s.command),
    args: args as string[],
    env: s.env === undefined ? undefined : (objectAt(`${path}.env`, s.env) as Record<string, string>),
    cwd: s.cwd === undefined ? undefined : nonEmptyString(`${path}.cwd`, s.cwd),
    cancelMessage: fnAt(`${path}.cancelMessage`, s.cancelMessage),
    stderrLines:
      s.stderrLines === undefined ? undefined : integer(`${path}.stderrLines`, s.stderrLines, 0, 1),
  };
}

export function resolveBackend(name: string, spec: unknown, retry: ResolvedRetry): ResolvedBackend {
  const path = `backends.${name}`;
  const s = objectAt(path, spec);
  if (spec === undefined) throw new TypeError(`${path} must be an object, got undefined`);
  const source = resolveSource(path, name, s);
  const tier = oneOf(`${path}.tier`, s.tier, ['hot', 'warm', 'cold', 'auto'] as const, 'warm');
  const isolation = oneOf(
    `${path}.isolation`,
    s.isolation,
    ['shared', 'per-principal', 'per-session'] as const,
    'shared',
  );
  const replicas = objectAt(`${path}.replicas`, s.replicas);
  const shared = isolation === 'shared';
  const min = integer(`${path}.replicas.min`, replicas.min, shared && tier === 'hot' ? 1 : 0, 0);
  const max = integer(`${path}.replicas.max`, replicas.max, shared ? Math.max(min, 1) : Math.max(min, 16), 1);
  if (max < min)
    throw new RangeError(`${path}.replicas.max (${max}) must be ≥ ${path}.replicas.min (${min})`);
  if (shared && tier === 'hot' && min < 1) {
    throw new RangeError(`${path}.replicas.min must be ≥ 1 for a hot shared backend, got ${min}`);
  }
  const spares = integer(`${path}.spares`, s.spares, shared ? 0 : Math.min(max, Math.max(1, min)), 0);
  if (!shared && spares > max)
    throw new RangeError(`${path}.spares (${spares}) must be ≤ replicas.max (${max})`);
  if (shared && s.spares !== undefined && spares > 0) {
    throw new RangeError(
      `${path}.spares is for per-session and per-principal backends; a shared backend keeps replicas.min`,
    );
  }
  return {
    name,
    source,
    tier,
    isolation,
    min,
    max,
    spares,
    spareRefillDelayMs: number(`${path}.spareRefillDelayMs`, s.spareRefillDelayMs, 100, 0),
    // A remote worker is a connection: it holds little here.
    memoryMb: number(
      `${path}.memoryMb`,
      s.memoryMb,
      source.kind === 'process' ? 64 : source.kind === 'remote' ? 1 : 16,
      0,
    ),
    idleTtlMs: number(`${path}.idleTtlMs`, s.idleTtlMs, 60_000, 0),
    ready: fnAt(`${path}.ready`, s.ready),
    authorize: fnAt(`${path}.authorize`, s.authorize),
    readyTimeoutMs: number(`${path}.readyTimeoutMs`, s.readyTimeoutMs, 30_000, 1),
    concurrency:
      s.concurrency === undefined ? undefined : integer(`${path}.concurrency`, s.concurrency, 1, 1),
    queue: integer(`${path}.queue`, s.queue, 256, 0),
    health: s.health === undefined ? undefined : (objectAt(`${path}.health`, s.health) as HealthOptions),
    retry: resolveRetry(`${path}.retry`, s.retry, retry),
    stopGraceMs: number(`${path}.stopGraceMs`, s.stopGraceMs, 2000, 0),
    killGraceMs: number(`${path}.killGraceMs`, s.killGraceMs, 2000, 0),
    outlier: resolveOutlier(`${path}.outlier`, s.outlier),
    breaker: resolveBreaker(`${path}.breaker`, s.breaker),
  };
}

export function resolveOutlier(path: string, v: unknown): Required<OutlierOptions> | false {
  if (v === false) return false;
  const o = objectAt(path, v);
  const ejectionMs = number(`${path}.ejectionMs`, o.ejectionMs, 30_000, 1);
  const maxEjectionMs = number(`${path}.maxEjectionMs`, o.maxEjectionMs, Math.max(ejectionMs, 300_000), 1);
  if (maxEjectionMs < ejectionMs) {
    throw new RangeError(
      `${path}.maxEjectionMs (${maxEjectionMs}) must be ≥ ${path}.ejectionMs (${ejectionMs})`,
    );
  }
  return {
    consecutiveFailures: integer(`${path}.consecutiveFailures`, o.consecutiveFailures, 5, 1),
    ejectionMs,
    maxEjectionMs,
    maxEjectionPercent: number(`${path}.maxEjectionPercent`, o.maxEjectionPercent, 50, 0, 100),
  };
}

export function resolveBreaker(path: string, v: unknown): Required<BreakerOptions> | false {
  if (v === false) return false;
  const o = objectAt(path, v);
  const failureRate = number(`${path}.failureRate`, o.failureRate, 0.5, 0, 1);
  if (failureRate === 0)
    throw new RangeError(`${path}.failureRate must be between 0 (exclusive) and 1, got 0`);
  const cooldownMs = number(`${path}.cooldownMs`, o.cooldownMs, 10_000, 1);
  const maxCooldownMs = number(`${path}.maxCooldownMs`, o.maxCooldownMs, Math.max(cooldownMs, 300_000), 1);
  if (maxCooldownMs < cooldownMs) {
    throw new RangeError(
      `${path}.maxCooldownMs (${maxCooldownMs}) must be ≥ ${path}.cooldownMs (${cooldownMs})`,
    );
  }
  return {
    failureRate,
    minimumCalls: integer(`${path}.minimumCalls`, o.minimumCalls, 20, 1),
    windowMs: number(`${path}.windowMs`, o.windowMs, 10_000, 1),
    cooldownMs,
    maxCooldownMs,
  };
}

/**
 * What hot backends keep resident must fit in the budget, or the manager could never be ready.
 * Checked on the estimates (`memoryMb`): nothing is measured before the workers run.
 * `adding` names the backend being added to a running manager (said in the message).
 */
export function checkHotFits(
  backends: readonly ResolvedBackend[],
  budget: ResolvedBudget,
  adding?: string,
): void {
  let hotWorkers = 0;
  let hotMemory = 0;
  for (const be of backends) {
    if (be.tier !== 'hot') continue;
    const n = be.isolation === 'shared' ? be.min : be.spares;
    hotWorkers += n;
    hotMemory += n * be.memoryMb;
  }
  const withIt = adding === undefined ? '' : ` with backends.${adding}`;
  if (hotWorkers > budget.maxWorkers) {
    throw new RangeError(
      `budget.maxWorkers (${budget.maxWorkers}) is below what hot backends keep (${hotWorkers}${withIt})`,
    );
  }
  if (hotMemory > budget.maxMemoryMb) {
    throw new RangeError(
      `budget.maxMemoryMb (${budget.maxMemoryMb}) is below what hot backends keep (${hotMemory} MB${withIt})`,
    );
  }
}

export function resolveOptions(options: MultiTierOptions): ResolvedOptions {
  const o = objectAt('options', options);
  if (options === undefined) throw new TypeError('options must be an object, got undefined');
  const backendsIn = objectAt('backends', o.backends);
  const names = Object.keys(backendsIn);
  // None is fine: backends may all come later (`addBackend`), or a gateway may serve only remotes.
  const retry = resolveRetry('retry', o.retry);
  const backends = names.map((name) => resolveBackend(name, backendsIn[name], retry));
  const b = objectAt('budget', o.budget);
  const budget = {
    maxWorkers: integer('budget.maxWorkers', b.maxWorkers, Number.POSITIVE_INFINITY, 1),
    maxMemoryMb: number('budget.maxMemoryMb', b.maxMemoryMb, Number.POSITIVE_INFINITY, 0),
    sampleIntervalMs: number('budget.sampleIntervalMs', b.sampleIntervalMs, 5000, 0),
  };
  checkHotFits(backends, budget);
  const a = objectAt('auto', o.auto);
  const auto: ResolvedAuto = {
    intervalMs: number('auto.intervalMs', a.intervalMs, 1000, 1),
    rateWindowMs: number('auto.rateWindowMs', a.rateWindowMs, 60_000, 1),
    hotThresholdMsPerSec: number('auto.hotThresholdMsPerSec', a.hotThresholdMsPerSec, 50, 0),
    warmProbability: number('auto.warmProbability', a.warmProbability, 0.5, 0, 1),
    hysteresis: number('auto.hysteresis', a.hysteresis, 0.25, 0, 1),
    minDwellMs: number('auto.minDwellMs', a.minDwellMs, 5000, 0),
    startCostPriorMs: number('auto.startCostPriorMs', a.startCostPriorMs, 500, 0),
    initialTier: oneOf('auto.initialTier', a.initialTier, ['hot', 'warm', 'cold'] as const, 'cold'),
  };
  return { backends, budget, auto, retry };
}
