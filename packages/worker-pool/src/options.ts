/** The pool's options, their defaults, and their checks (a bad option throws naming itself). */
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { Clock, Picker, RandomSource } from '@switchyard/flow-balancer';
import type { CancelMessageFn } from './jsonrpc.ts';
import type { PoolWorker } from './pool-worker.ts';
import type { ProcessWorkerOptions } from './runtime/process-worker.ts';
import type { RemoteTransport, RemoteWorkerOptions } from './runtime/remote-worker.ts';

export interface HealthOptions {
  /**
   * Probe one worker; resolve if healthy, reject (or outlive `timeoutMs`) if not. Process workers
   * are probed only when one is given (for MCP: `(w) => w.request('ping')`).
   */
  probe?: (worker: PoolWorker) => Promise<unknown>;
  /**
   * Threads without a `probe`: a built-in heartbeat answered by the thread's event loop. A handler
   * that blocks the loop (synchronous work) for longer than `timeoutMs` makes its thread look hung,
   * and it is recycled. Default true; turn off for long synchronous handlers.
   */
  heartbeat?: boolean;
  /** Time between probes of a worker. Default 5000. */
  intervalMs?: number;
  /** A probe not answered within this is a failure. Default 5000 (probes), 30 000 (heartbeat). */
  timeoutMs?: number;
}

export interface RestartOptions {
  /** First delay before replacing a crashed worker. Default 100. */
  baseDelayMs?: number;
  /** Ceiling of the exponential delay. Default 10 000. */
  maxDelayMs?: number;
  /** Share of the delay randomised (0…1). Default 0.5. */
  jitter?: number;
  /** This many crashes within `windowMs` put the pool in the `failed` state. Default 5. */
  maxCrashes?: number;
  /** Default 60 000. */
  windowMs?: number;
}

interface CommonOptions {
  /** Workers kept running. Default 1. */
  min?: number;
  /** Most workers at once. Default max(min, available parallelism). */
  max?: number;
  /** Tasks in flight on one worker at once. Default 4 (threads), 16 (processes). */
  concurrency?: number;
  /** Tasks waiting for a worker, at most; more are refused with PoolQueueFullError. Default 10 000. */
  maxQueue?: number;
  /** Default per-task time budget (queue wait + run), ms. Default none. */
  taskTimeoutMs?: number;
  /**
   * A worker idle this long (no task, no pinned wait, no hold: `hold()`) is stopped while the pool
   * has more unreserved workers than `min`, the longest idle first; 0: at once, as it becomes idle
   * (at its last release). Reserved workers are never stopped for idleness. Default 30 000.
   */
  idleTimeoutMs?: number;
  /**
   * `min` is kept only while the pool has had demand (`demand()`) within `idleTimeoutMs`; after
   * that it keeps none (a tier's spares, kept while used). Default false.
   */
  minHeldByDemand?: boolean;
  /**
   * The clock of idle time: when a worker was last used and when the idle sweep stops it. Default:
   * `clock`. A tier manager passes its own, so idle TTLs run on the clock its demand and budget read.
   */
  idleClock?: Clock;
  /** Retire a worker after it has been given this many tasks. Default none. */
  maxTasksPerWorker?: number;
  /** Retire a worker this old. Default none. */
  maxAgeMs?: number;
  /** A worker must be ready (module loaded / spawned and `ready` hook done) within this. Default 30 000. */
  readyTimeoutMs?: number;
  /** Runs on each new worker before it takes tasks (for MCP: the initialize handshake). */
  ready?: (worker: PoolWorker) => Promise<unknown>;
  /**
   * Asked before the pool starts a worker on its own (to reach `min`, to replace a crashed one, for
   * queue pressure): false holds that start back until `refill()` (a budget across pools).
   * `startWorker()` and `reserve()` do not ask: their caller decided. Default: always.
   */
  canStart?: () => boolean;
  /** How a worker is chosen: `least-outstanding` (default), `p2c`, or any flow-balancer `Picker`. */
  picker?: 'least-outstanding' | 'p2c' | Picker;
  health?: HealthOptions;
  restart?: RestartOptions;
  /** Processes: after stdin is closed, wait this long before SIGTERM. Default 2000. */
  stopGraceMs?: number;
  /** Processes: after SIGTERM, wait this long before SIGKILL. Default 2000. */
  killGraceMs?: number;
  /** How long `stop()` lets tasks finish before cutting them off. Default 10 000. */
  drainTimeoutMs?: number;
  clock?: Clock;
  random?: RandomSource;
}

export interface ThreadPoolOptions extends CommonOptions {
  kind: 'thread';
  /** The module whose exported functions are the handlers: a path or a URL. */
  module: string | URL;
  /** Environment of the worker threads (added to the parent's). */
  env?: Record<string, string>;
  /** Bun's `smol` mode for the threads. */
  smol?: boolean;
}

export interface ProcessPoolOptions extends CommonOptions {
  kind: 'process';
  command: string;
  args?: readonly string[];
  /** The child's whole environment (default: the parent's). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** A stdout line longer than this many characters is a protocol fault (and skipped). Default 16 Mi. */
  maxLineLength?: number;
  /** Stderr lines kept per worker. Default 100. */
  stderrLines?: number;
  /** A memory ceiling: a process whose RSS passes it is retired. Default none. */
  maxRssBytes?: number;
  /** How often RSS is read when `maxRssBytes` is set. Default 5000. */
  memoryCheckIntervalMs?: number;
  /**
   * The message that cancels a request on the wire (given the pool's wire id). Without it a
   * cancelled request is only forgotten. For MCP use `mcpCancelMessage`.
   */
  cancelMessage?: CancelMessageFn;
}

export interface RemotePoolOptions extends CommonOptions {
  kind: 'remote';
  /**
   * A new, not yet started transport to the remote server for worker `workerId` — of the MCP SDK's
   * `Transport` shape (`StreamableHTTPClientTransport`, `SSEClientTransport` fit as they are). A
   * remote worker is one connection (for MCP: one session); the pool starts it, and it is ready
   * once started (and through the `ready` hook: the MCP handshake). `key`: the key the worker is
   * reserved for from birth (`startWorker({ key })`), undefined for an unreserved one — so a
   * connection can carry its owner's identity (e.g. a principal's credentials).
   */
  connect: (workerId: number, key: string | undefined) => RemoteTransport | Promise<RemoteTransport>;
  /** The message that cancels a request on the wire; for MCP use `mcpCancelMessage`. */
  cancelMessage?: CancelMessageFn;
  /** Transport errors kept per worker (its "stderr" tail). Default 100. */
  errorLines?: number;
}

export type WorkerPoolOptions = ThreadPoolOptions | ProcessPoolOptions | RemotePoolOptions;

/** Every option filled in, checked. */
export interface ResolvedOptions {
  kind: 'thread' | 'process' | 'remote';
  min: number;
  max: number;
  concurrency: number;
  maxQueue: number;
  taskTimeoutMs: number | undefined;
  idleTimeoutMs: number;
  minHeldByDemand: boolean;
  maxTasksPerWorker: number;
  maxAgeMs: number;
  readyTimeoutMs: number;
  ready: ((worker: PoolWorker) => Promise<unknown>) | undefined;
  canStart: (() => boolean) | undefined;
  picker: 'least-outstanding' | 'p2c' | Picker;
  health: {
    probe: ((worker: PoolWorker) => Promise<unknown>) | undefined;
    heartbeat: boolean;
    intervalMs: number;
    timeoutMs: number;
  };
  restart: Required<RestartOptions>;
  stopGraceMs: number;
  killGraceMs: number;
  drainTimeoutMs: number;
  maxRssBytes: number;
  memoryCheckIntervalMs: number;
  thread: { module: string; env: Record<string, string> | undefined; smol: boolean } | undefined;
  process: ProcessWorkerOptions | undefined;
  remote: RemoteWorkerOptions | undefined;
}

function int(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${name} must be a number`);
  if (value !== Number.POSITIVE_INFINITY && !Number.isInteger(value)) {
    throw new RangeError(`${name} must be an integer (got ${value})`);
  }
  if (value < min) throw new RangeError(`${name} must be ≥ ${min} (got ${value})`);
  return value;
}

function ms(name: string, value: unknown, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${name} must be a number`);
  if (value < min) throw new RangeError(`${name} must be ≥ ${min} (got ${value})`);
  return value;
}

function fn<T>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${name} must be a function`);
  return value;
}

/** A path or URL of the handler module, as the URL a Worker can import. */
function moduleUrl(value: unknown): string {
  if (value instanceof URL) return value.href;
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError('module must be a path or a URL of the handler module');
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(value) && !/^[a-z]:[\\/]/i.test(value)) return value;
  return pathToFileURL(value).href;
}

/** Tasks in flight on one worker when `concurrency` is not given: 4 on a thread, 16 on a process or remote. */
export function defaultConcurrency(kind: 'thread' | 'process' | 'remote'): number {
  return kind === 'thread' ? 4 : 16;
}

export function resolveOptions(o: WorkerPoolOptions): ResolvedOptions {
  if (typeof o !== 'object' || o === null) throw new TypeError('options must be an object');
  if (o.kind !== 'thread' && o.kind !== 'process' && o.kind !== 'remote') {
    throw new TypeError(
      `kind must be 'thread', 'process' or 'remote' (got ${String((o as { kind?: unknown }).kind)})`,
    );
  }
  const min = int('min', o.min, 1, 0);
  const max = int('max', o.max, Math.max(min, 1, availableParallelism()), 1);
  if (max < min) throw new RangeError(`max (${max}) must be ≥ min (${min})`);
  const picker = o.picker ?? 'least-outstanding';
  if (
    picker !== 'least-outstanding' &&
    picker !== 'p2c' &&
    typeof (picker as Picker | null)?.pick !== 'function'
  ) {
    throw new TypeError("picker must be 'least-outstanding', 'p2c' or an object with a pick() method");
  }
  const h = o.health ?? {};
  const r = o.restart ?? {};
  const restart = {
    baseDelayMs: ms('restart.baseDelayMs', r.baseDelayMs, 100),
    maxDelayMs: ms('restart.maxDelayMs', r.maxDelayMs, 10_000),
    jitter: ms('restart.jitter', r.jitter, 0.5),
    maxCrashes: int('restart.maxCrashes', r.maxCrashes, 5, 1),
    windowMs: ms('restart.windowMs', r.windowMs, 60_000, 1),
  };
  if (restart.jitter > 1)
    throw new RangeError(`restart.jitter must be between 0 and 1 (got ${restart.jitter})`);
  if (restart.maxDelayMs < restart.baseDelayMs) {
    throw new RangeError('restart.maxDelayMs must be ≥ restart.baseDelayMs');
  }
  const resolved: ResolvedOptions = {
    kind: o.kind,
    min,
    max,
    concurrency: int('concurrency', o.concurrency, defaultConcurrency(o.kind), 1),
    maxQueue: int('maxQueue', o.maxQueue, 10_000, 0),
    taskTimeoutMs: o.taskTimeoutMs === undefined ? undefined : ms('taskTimeoutMs', o.taskTimeoutMs, 0, 1),
    idleTimeoutMs: ms('idleTimeoutMs', o.idleTimeoutMs, 30_000),
    minHeldByDemand: o.minHeldByDemand === true,
    maxTasksPerWorker: int('maxTasksPerWorker', o.maxTasksPerWorker, Number.POSITIVE_INFINITY, 1),
    maxAgeMs: ms('maxAgeMs', o.maxAgeMs, Number.POSITIVE_INFINITY, 1),
    readyTimeoutMs: ms('readyTimeoutMs', o.readyTimeoutMs, 30_000, 1),
    ready: fn('ready', o.ready),
    canStart: fn('canStart', o.canStart),
    picker,
    health: {
      probe: fn('health.probe', h.probe),
      heartbeat: o.kind === 'thread' && h.probe === undefined && h.heartbeat !== false,
      intervalMs: ms('health.intervalMs', h.intervalMs, 5000, 1),
      timeoutMs: ms('health.timeoutMs', h.timeoutMs, h.probe === undefined ? 30_000 : 5000, 1),
    },
    restart,
    stopGraceMs: ms('stopGraceMs', o.stopGraceMs, 2000),
    killGraceMs: ms('killGraceMs', o.killGraceMs, 2000),
    drainTimeoutMs: ms('drainTimeoutMs', o.drainTimeoutMs, 10_000),
    maxRssBytes: Number.POSITIVE_INFINITY,
    memoryCheckIntervalMs: 5000,
    thread: undefined,
    process: undefined,
    remote: undefined,
  };
  if (o.kind === 'remote') {
    if (typeof o.connect !== 'function') throw new TypeError('connect must be a function');
    resolved.remote = {
      connect: o.connect,
      cancelMessage: fn('cancelMessage', o.cancelMessage),
      errorLines: int('errorLines', o.errorLines, 100, 1),
    };
  } else if (o.kind === 'thread') {
    resolved.thread = { module: moduleUrl(o.module), env: o.env, smol: o.smol === true };
  } else {
    if (typeof o.command !== 'string' || o.command.length === 0) {
      throw new TypeError('command must be a non-empty string');
    }
    if (o.args !== undefined && (!Array.isArray(o.args) || o.args.some((a) => typeof a !== 'string'))) {
      throw new TypeError('args must be an array of strings');
    }
    resolved.maxRssBytes = ms('maxRssBytes', o.maxRssBytes, Number.POSITIVE_INFINITY, 1);
    resolved.memoryCheckIntervalMs = ms('memoryCheckIntervalMs', o.memoryCheckIntervalMs, 5000, 1);
    resolved.process = {
      command: o.command,
      args: o.args ?? [],
      env: o.env,
      cwd: o.cwd,
      maxLineLength: int('maxLineLength', o.maxLineLength, 16 * 1024 * 1024, 64),
      stderrLines: int('stderrLines', o.stderrLines, 100, 1),
      cancelMessage: fn('cancelMessage', o.cancelMessage),
    };
  }
  return resolved;
}
