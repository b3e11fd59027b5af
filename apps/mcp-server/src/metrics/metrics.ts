/**
 * Prometheus metrics for `GET /metrics`, on a registry of their own (never prom-client's global
 * one, so two gateways in one process do not collide).
 *
 * - Per request, fed by the gateway's activity: `switchyard_requests_total`,
 *   `switchyard_request_duration_seconds` and `mcp_server_operation_duration_seconds` (the
 *   OpenTelemetry MCP conventions' metric, by method, tool, backend and outcome).
 * - Per 2025 session that ends here (deleted, expired, shut down, handed on), fed by the activity:
 *   `mcp_server_session_duration_seconds` (the conventions' `mcp.server.session.duration`).
 * - Fed by the HTTP front door: `switchyard_http_requests_total` (`observeHttp`) and
 *   `switchyard_admissions_refused_total` (`observeRefusal`).
 * - Fed by the journal's `sqliteDriver({ onCommit })`, when the gateway passes it on:
 *   `switchyard_journal_commits_total`, `…_committed_records_total`, `…_commit_duration_seconds`
 *   (`observeCommit`).
 * - Read at scrape time from the coordinator, the tier manager and the admission bulkheads, which
 *   keep those figures themselves: sessions, requests in flight, workers by state, backend up,
 *   backend memory (measured), worker starts / crashes / evictions, start latency quantiles,
 *   admission queue.
 * - prom-client's default process metrics (`process_*`, `nodejs_*`), which work under Bun.
 *
 * Label values are bounded: `method` is one of the MCP methods the gateway serves or `other`;
 * `backend` is a configured backend's name, or `""` for requests that reached none (an unknown
 * tool, `initialize`, the lists merged across backends).
 */
import type { SessionEnd } from '@switchyard/coordinator';
import type { CommitInfo } from '@switchyard/journal';
import type { BackendStats } from '@switchyard/multi-tier';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RecentCall } from '../gateway/activity.ts';
import type { Gateway } from '../gateway/gateway.ts';
import { useOperationDurations } from '../telemetry/operation-durations.ts';
import { SESSION_DURATION_BUCKETS, sessionLabels, sessionSeconds } from '../telemetry/session-labels.ts';
import { KNOWN_METHODS } from './methods.ts';
import {
  type CounterSeries,
  CounterSet,
  type HistogramSeries,
  HistogramSet,
  type PromMetric,
  promCounter,
  promHistogram,
} from './series.ts';

function registerAll(registry: Registry, metrics: PromMetric[]): void {
  for (const metric of metrics)
    registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
}

export type HttpRoute = 'mcp' | 'healthz' | 'readyz' | 'metrics' | 'dashboard' | 'other';
/**
 * Why a request (or a stream) was refused or dropped: `overload` (the gateway-wide limit, 503),
 * `rate-limit`, `auth`, `origin`, `principal-share` (a principal over its fair share, 429),
 * `streams` (over `streamsPerPrincipal`), `body-timeout` (408), `batch-size` (413), `sessions`,
 * `sessions-per-principal`, `listens-per-session` (the coordinator's bounds), `slow-reader` (a
 * stream dropped for holding more than `bufferedBytesPerStream`). Never a principal's name.
 */
export type RefusalReason =
  | 'overload'
  | 'rate-limit'
  | 'auth'
  | 'origin'
  | 'principal-share'
  | 'streams'
  | 'body-timeout'
  | 'batch-size'
  | 'sessions'
  | 'sessions-per-principal'
  | 'listens-per-session'
  | 'slow-reader';

export const HTTP_ROUTES: readonly HttpRoute[] = [
  'mcp',
  'healthz',
  'readyz',
  'metrics',
  'dashboard',
  'other',
];
export const REFUSAL_REASONS: readonly RefusalReason[] = [
  'overload',
  'rate-limit',
  'auth',
  'origin',
  'principal-share',
  'streams',
  'body-timeout',
  'batch-size',
  'sessions',
  'sessions-per-principal',
  'listens-per-session',
  'slow-reader',
];

export { KNOWN_METHODS };

/** Request durations, seconds: 1 ms … 60 s. */
export const DURATION_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** Journal group commits, seconds: 0.1 ms … 2.5 s. */
export const COMMIT_BUCKETS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5,
];

const WORKER_STATES = ['starting', 'ready', 'leased', 'spare', 'stopping'] as const;
const START_TIERS = ['hot', 'warm', 'cold'] as const;
const MIB = 1024 * 1024;
const START_QUANTILES = [
  ['0.5', 'p50'],
  ['0.9', 'p90'],
  ['0.99', 'p99'],
] as const;

export interface MetricsOptions {
  /** The clock for `switchyard_uptime_seconds`, ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /** prom-client's default `process_*` / `nodejs_*` metrics. Default true. */
  processMetrics?: boolean;
}

export interface GatewayMetrics {
  /** The registry of these metrics (not prom-client's global one). */
  readonly registry: Registry;
  /** One HTTP request answered, by route and status. */
  observeHttp(route: HttpRoute, status: number): void;
  /** One request refused at admission, before it reached the coordinator. */
  observeRefusal(reason: RefusalReason): void;
  /** One journal group commit; pass as `sqliteDriver({ onCommit })`. */
  observeCommit(info: CommitInfo): void;
  /** The exposition text. */
  text(): Promise<string>;
  /** `GET /metrics`: the exposition text with its content type; 500 if collecting failed. */
  response(): Promise<Response>;
  /** Stops listening to the gateway's activity. */
  close(): void;
}

function methodLabel(method: string): string {
  return KNOWN_METHODS.has(method) ? method : 'other';
}

export function createMetrics(gateway: Gateway, options: MetricsOptions = {}): GatewayMetrics {
  const now = options.now ?? Date.now;
  const registry = new Registry();
  const registers = [registry];

  // ── per request ──────────────────────────────────────────────────────────────────────────
  // Per request, aggregated by the gateway under a key of the bounded label values (series.ts):
  // no label object is hashed per request; prom-client formats the aggregates at scrape time.
  const requests = new CounterSet<{ method: string; backend: string; outcome: string }>();
  const duration = new HistogramSet<{ method: string; backend: string }>(DURATION_BUCKETS);
  registerAll(registry, [
    promCounter(
      'switchyard_requests_total',
      'MCP requests finished, by method, backend ("" when none) and outcome (ok, error, cancelled, timeout, rejected).',
      requests,
    ),
    promHistogram(
      'switchyard_request_duration_seconds',
      'Time from an MCP request arriving to its answer, by method and backend ("" when none).',
      duration,
      (labels) => labels,
    ),
  ]);
  // The OpenTelemetry conventions' `mcp.server.operation.duration`, with the same bounded labels
  // as the OTLP one (dots as underscores), from the aggregate the OTLP export reads too.
  const operations = useOperationDurations(gateway.activity);
  registerAll(registry, [
    promHistogram(
      'mcp_server_operation_duration_seconds',
      'MCP request duration as observed on the receiver (OpenTelemetry mcp.server.operation.duration), by method, tool ("other" outside the catalogue), backend and outcome.',
      operations.durations.set,
      (set) => set.prom,
    ),
  ]);
  // The series of each (method, backend) pair, kept: a call finds them by two map lookups, with no
  // key string built.
  interface PairSeries {
    duration: HistogramSeries<{ method: string; backend: string }>;
    byOutcome: Map<string, CounterSeries<{ method: string; backend: string; outcome: string }>>;
  }
  const pairs = new Map<string, Map<string, PairSeries>>();
  const pairOf = (method: string, backend: string): PairSeries => {
    let byBackend = pairs.get(method);
    if (byBackend === undefined) {
      byBackend = new Map();
      pairs.set(method, byBackend);
    }
    let pair = byBackend.get(backend);
    if (pair === undefined) {
      pair = {
        duration: duration.series(`${method}\u0000${backend}`, () => ({ method, backend })),
        byOutcome: new Map(),
      };
      byBackend.set(backend, pair);
    }
    return pair;
  };
  const onCall = (call: RecentCall): void => {
    const method = methodLabel(call.method);
    const backend = call.backend ?? '';
    const { outcome } = call;
    const pair = pairOf(method, backend);
    let counted = pair.byOutcome.get(outcome);
    if (counted === undefined) {
      counted = requests.series(`${method}\u0000${backend}\u0000${outcome}`, () => ({
        method,
        backend,
        outcome,
      }));
      pair.byOutcome.set(outcome, counted);
    }
    counted.value += 1;
    duration.observe(pair.duration, Math.max(0, call.durationMs) / 1000);
  };
  const sessionDuration = new Histogram({
    name: 'mcp_server_session_duration_seconds',
    help: 'The duration of a 2025 MCP session as observed on the gateway (OpenTelemetry mcp.server.session.duration), by protocol version and how it ended (deleted, expired, shutdown, relinquished).',
    labelNames: ['mcp_protocol_version', 'switchyard_session_end'] as const,
    buckets: [...SESSION_DURATION_BUCKETS],
    registers,
  });
  const onSessionEnd = (end: SessionEnd): void => {
    const l = sessionLabels(end);
    sessionDuration.observe(
      {
        mcp_protocol_version: l['mcp.protocol.version'],
        switchyard_session_end: l['switchyard.session.end'],
      },
      sessionSeconds(end),
    );
  };
  const unsubscribers = [
    gateway.activity.subscribe(onCall),
    gateway.activity.onSessionEnd(onSessionEnd),
    operations.release,
  ];

  // ── front door ───────────────────────────────────────────────────────────────────────────
  // Once per HTTP request: aggregated like the per-request figures above.
  const http = new CounterSet<{ route: string; status: string }>();
  /** `http`'s series by route and status, kept (no key string per request). */
  const httpSeries = new Map<HttpRoute, Map<number, CounterSeries<{ route: string; status: string }>>>();
  registerAll(registry, [
    promCounter(
      'switchyard_http_requests_total',
      'HTTP requests answered, by route (mcp, healthz, readyz, metrics, dashboard, other) and status.',
      http,
    ),
  ]);
  const refused = new Counter({
    name: 'switchyard_admissions_refused_total',
    help: 'Requests refused (and streams dropped) at the front door, by reason (overload, rate-limit, auth, origin, principal-share, streams, body-timeout, batch-size, sessions, sessions-per-principal, listens-per-session, slow-reader).',
    labelNames: ['reason'] as const,
    registers,
  });
  for (const reason of REFUSAL_REASONS) refused.inc({ reason }, 0);

  // ── journal ──────────────────────────────────────────────────────────────────────────────
  const commits = new Counter({
    name: 'switchyard_journal_commits_total',
    help: 'Journal group commits (stays 0 unless the journal driver reports its commits).',
    registers,
  });
  const committed = new Counter({
    name: 'switchyard_journal_committed_records_total',
    help: 'Records (sessions, stream events, audit entries) written by journal group commits.',
    registers,
  });
  const commitDuration = new Histogram({
    name: 'switchyard_journal_commit_duration_seconds',
    help: 'Time a journal group commit took, compression included.',
    buckets: [...COMMIT_BUCKETS],
    registers,
  });

  // ── read at scrape time ──────────────────────────────────────────────────────────────────
  new Gauge({
    name: 'switchyard_uptime_seconds',
    help: 'Seconds since the gateway started.',
    registers,
    collect() {
      this.set(Math.max(0, (now() - gateway.startedAt) / 1000));
    },
  });
  new Gauge({
    name: 'switchyard_sessions',
    help: 'Front sessions open (2025 revisions of the protocol).',
    registers,
    collect() {
      this.set(gateway.coordinator.stats().sessions);
    },
  });
  new Gauge({
    name: 'switchyard_requests_in_flight',
    help: 'Routed requests not yet answered, across sessions.',
    registers,
    collect() {
      this.set(gateway.coordinator.stats().inFlight);
    },
  });
  new Counter({
    name: 'switchyard_late_replies_total',
    help: 'Backend replies that came after their request was settled, dropped.',
    registers,
    collect() {
      this.reset();
      this.inc(gateway.coordinator.stats().lateReplies);
    },
  });

  // Telemetry's span export (when it is on): what it dropped and how often its thread restarted.
  const shipping = gateway.telemetry?.shipping;
  if (shipping !== undefined) {
    new Counter({
      name: 'switchyard_telemetry_spans_dropped_total',
      help: 'Spans not exported, by where: behind (on the main thread: the span thread behind or gone) or queue (on the span thread: its export queue full).',
      labelNames: ['where'] as const,
      registers,
      collect() {
        this.reset();
        this.inc({ where: 'behind' }, shipping.droppedBehind);
        this.inc({ where: 'queue' }, shipping.dropped - shipping.droppedBehind);
      },
    });
    new Counter({
      name: 'switchyard_telemetry_span_thread_restarts_total',
      help: 'Times the span thread (which writes and exports spans) was started again after it died.',
      registers,
      collect() {
        this.reset();
        this.inc(shipping.restarts);
      },
    });
  }

  // The tier manager's figures, taken once per scrape (`text()`), not once per metric.
  let scraping = false;
  let scraped: [string, BackendStats][] | undefined;
  const backends = () => {
    if (!scraping) return Object.entries(gateway.manager.stats().backends);
    scraped ??= Object.entries(gateway.manager.stats().backends);
    return scraped;
  };
  new Gauge({
    name: 'switchyard_workers',
    help: 'Backend workers by state; leased and spare are counted within ready, so do not sum over state.',
    labelNames: ['backend', 'tier', 'state'] as const,
    registers,
    collect() {
      this.reset();
      for (const [backend, s] of backends()) {
        for (const state of WORKER_STATES)
          this.set({ backend, tier: s.effectiveTier, state }, s.workers[state]);
      }
    },
  });
  new Gauge({
    name: 'switchyard_backend_up',
    help: 'Whether a served backend is ok (1) or failed and waiting to retry (0).',
    labelNames: ['backend'] as const,
    registers,
    collect() {
      this.reset();
      for (const [backend, s] of backends()) this.set({ backend }, s.state === 'ok' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'switchyard_backend_saturated',
    help: 'Whether a per-session / per-principal backend has every worker it may have bound (1): new sessions or principals are refused.',
    labelNames: ['backend'] as const,
    registers,
    collect() {
      this.reset();
      for (const [backend, s] of backends()) this.set({ backend }, s.saturated ? 1 : 0);
    },
  });
  new Gauge({
    name: 'switchyard_backend_memory_bytes',
    help: 'Memory a backend’s live workers hold, as the global budget counts it: each process worker’s last measured RSS (its estimate until measured), each thread worker’s estimate.',
    labelNames: ['backend'] as const,
    registers,
    collect() {
      this.reset();
      for (const [backend, s] of backends()) this.set({ backend }, s.memoryMb * MIB);
    },
  });
  new Gauge({
    name: 'switchyard_backend_protocol_era',
    help: 'The MCP protocol era each backend speaks (1 on its era: 2025 or 2026), once one of its workers is ready.',
    labelNames: ['backend', 'era'] as const,
    registers,
    collect() {
      this.reset();
      for (const { name } of gateway.backends) {
        const era = gateway.eraOf(name);
        if (era !== undefined) this.set({ backend: name, era }, 1);
      }
    },
  });
  new Gauge({
    name: 'switchyard_backend_sessions',
    help: 'Sessions with affinity to a backend worker, or with a worker of their own.',
    labelNames: ['backend'] as const,
    registers,
    collect() {
      this.reset();
      for (const [backend, s] of backends()) this.set({ backend }, s.sessions);
    },
  });
  new Counter({
    name: 'switchyard_worker_starts_total',
    help: 'Backend workers started, by the tier the backend was in.',
    labelNames: ['backend', 'tier'] as const,
    registers,
    collect() {
      this.reset();
      for (const [backend, s] of backends()) {
        for (const tier of START_TIERS) this.inc({ backend, tier }, s.starts[tier]);
      }
    },
  });
  new Counter({
    name: 'switchyard_worker_start_failures_total',
    help: 'Backend worker starts that failed.',
    labelNames: ['backend'] as const,
    registers,
    collect() {
      this.reset();
      for (const [backend, s] of backends()) this.inc({ backend }, s.startFailures);
    },
  });
  new Counter({
    name: 'switchyard_worker_crashes_total',
    help: 'Ready backend workers that died.',
    labelNames: ['backend'] as const,
    registers,
    collect() {
      this.reset();
      for (const [backend, s] of backends()) this.inc({ backend }, s.crashes);
    },
  });
  new Counter({
    name: 'switchyard_evictions_total',
    help: 'Backend workers stopped to make room under the global budget.',
    labelNames: ['backend'] as const,
    registers,
    collect() {
      this.reset();
      for (const [backend, s] of backends()) this.inc({ backend }, s.evictions);
    },
  });
  new Counter({
    name: 'switchyard_tier_changes_total',
    help: 'Tier changes of auto backends, by direction (promotion, demotion).',
    labelNames: ['backend', 'direction'] as const,
    registers,
    collect() {
      this.reset();
      for (const [backend, s] of backends()) {
        this.inc({ backend, direction: 'promotion' }, s.promotions);
        this.inc({ backend, direction: 'demotion' }, s.demotions);
      }
    },
  });
  // A summary: quantiles over the recent starts (the tier manager keeps a ring of them), `_sum`
  // and `_count` over every start. prom-client's Summary computes its own quantiles from
  // observations, so this one is written out from the manager's figures.
  const startSeconds = {
    name: 'switchyard_backend_start_seconds',
    help: 'Worker start latency (spawn to ready): quantiles over recent starts, sum and count over all; absent before the first start.',
    type: 'summary',
    aggregator: 'sum',
    get() {
      const values: { labels: Record<string, string>; value: number; metricName?: string }[] = [];
      for (const [backend, s] of backends()) {
        const l = s.startLatency;
        if (l.count === 0) continue;
        for (const [quantile, key] of START_QUANTILES) {
          values.push({ labels: { backend, quantile }, value: l[key] / 1000 });
        }
        values.push({
          metricName: `${this.name}_sum`,
          labels: { backend },
          value: (l.mean * l.count) / 1000,
        });
        values.push({ metricName: `${this.name}_count`, labels: { backend }, value: l.count });
      }
      return Promise.resolve({
        name: this.name,
        help: this.help,
        type: this.type,
        aggregator: this.aggregator,
        values,
      });
    },
    reset() {},
  };
  registry.registerMetric(startSeconds as unknown as Parameters<Registry['registerMetric']>[0]);

  const admission = () => Object.entries(gateway.admission ?? {});
  new Gauge({
    name: 'switchyard_admission_limit',
    help: 'Concurrent requests a backend admits.',
    labelNames: ['backend'] as const,
    registers,
    collect() {
      this.reset();
      for (const [backend, b] of admission()) this.set({ backend }, b.limit);
    },
  });
  new Gauge({
    name: 'switchyard_admission_in_flight',
    help: 'Requests holding one of a backend’s admission permits.',
    labelNames: ['backend'] as const,
    registers,
    collect() {
      this.reset();
      for (const [backend, b] of admission()) this.set({ backend }, b.inFlight);
    },
  });
  new Gauge({
    name: 'switchyard_admission_queued',
    help: 'Requests waiting for one of a backend’s admission permits.',
    labelNames: ['backend'] as const,
    registers,
    collect() {
      this.reset();
      for (const [backend, b] of admission()) this.set({ backend }, b.queued);
    },
  });

  if (options.processMetrics ?? true) {
    try {
      collectDefaultMetrics({ register: registry });
      // Gauges named like counters, which `promtool check metrics` refuses (and which read 0
      // under Bun): dropped.
      for (const name of ['handles', 'requests', 'resources'])
        registry.removeSingleMetric(`nodejs_active_${name}_total`);
    } catch {
      // A runtime without what they read goes without them; the gateway's own metrics remain.
    }
  }

  const text = async () => {
    scraping = true;
    try {
      return await registry.metrics();
    } finally {
      scraping = false;
      scraped = undefined;
    }
  };
  return {
    registry,
    observeHttp(route, status) {
      const known = HTTP_ROUTES.includes(route) ? route : 'other';
      let byStatus = httpSeries.get(known);
      if (byStatus === undefined) {
        byStatus = new Map();
        httpSeries.set(known, byStatus);
      }
      let series = byStatus.get(status);
      if (series === undefined) {
        series = http.series(`${known} ${status}`, () => ({ route: known, status: String(status) }));
        byStatus.set(status, series);
      }
      series.value += 1;
    },
    observeRefusal(reason) {
      if (REFUSAL_REASONS.includes(reason)) refused.inc({ reason });
    },
    observeCommit(info) {
      commits.inc();
      committed.inc(Math.max(0, info.records));
      commitDuration.observe(Math.max(0, info.durationMs) / 1000);
    },
    text,
    async response() {
      try {
        return new Response(await text(), { headers: { 'content-type': registry.contentType } });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return new Response(`# collecting metrics failed: ${message}\n`, {
          status: 500,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
        });
      }
    },
    close() {
      for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
    },
  };
}
