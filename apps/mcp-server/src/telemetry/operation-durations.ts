/**
 * `mcp.server.operation.duration` aggregated once per finished request, for both its readers: the
 * Prometheus twin on `/metrics` (`mcp_server_operation_duration_seconds`) and the OTLP export
 * (`operation-producer.ts`). The labels of a request are computed once, as a key of their bounded
 * values (`operation-labels.ts`); the label objects of each set — OpenTelemetry attributes and
 * Prometheus labels — are made the first time the set is seen.
 *
 * One aggregate per gateway activity, shared by whoever reads it while anyone does (`useOperationDurations`).
 */
import type { Activity, RecentCall } from '../gateway/activity.ts';
import { KNOWN_METHODS } from '../metrics/methods.ts';
import { type HistogramSeries, HistogramSet } from '../metrics/series.ts';
import { OTHER, ToolLabels } from './labels.ts';
import {
  asAttributes,
  MCP_DURATION_BUCKETS,
  type OperationLabels,
  OUTCOMES,
  operationLabels,
} from './operation-labels.ts';

/** The label objects of one label set, made once. */
export interface OperationSet {
  /** The OpenTelemetry attributes (empty values left out). */
  readonly attributes: Readonly<Record<string, string>>;
  /** The Prometheus labels (dots as underscores, empty values kept). */
  readonly prom: Readonly<Record<string, string>>;
}

function promLabelsOf(l: OperationLabels): Record<string, string> {
  return {
    mcp_method_name: l['mcp.method.name'],
    gen_ai_tool_name: l['gen_ai.tool.name'],
    switchyard_backend: l['switchyard.backend'],
    switchyard_outcome: l['switchyard.outcome'],
    error_type: l['error.type'],
  };
}

export class OperationDurations {
  readonly set = new HistogramSet<OperationSet>(MCP_DURATION_BUCKETS);

  constructor(
    /** When aggregation began, ms since the epoch (the start of the cumulative OTLP points). */
    readonly since: number,
    private readonly tools = new ToolLabels(),
    private readonly methods: ReadonlySet<string> = KNOWN_METHODS,
  ) {}

  /** One finished request. */
  record(call: RecentCall): void {
    const method = this.methods.has(call.method) ? call.method : OTHER;
    const tool =
      call.method === 'tools/call' && call.name !== null ? this.tools.of(call.name, call.backend) : '';
    const outcome = OUTCOMES.has(call.outcome) ? call.outcome : OTHER;
    const key = `${method}\u0000${tool}\u0000${call.backend ?? ''}\u0000${outcome}`;
    const series: HistogramSeries<OperationSet> = this.set.series(key, () => {
      const labels = operationLabels(call, this.tools, this.methods);
      return { attributes: Object.freeze(asAttributes(labels)), prom: Object.freeze(promLabelsOf(labels)) };
    });
    this.set.observe(series, Math.max(0, call.durationMs) / 1000);
  }
}

interface Shared {
  durations: OperationDurations;
  users: number;
  unsubscribe: () => void;
}

const shared = new WeakMap<Activity, Shared>();

/**
 * The aggregate of `activity`'s requests, started (subscribed) for its first user; `release` when
 * done with it — the last user's release unsubscribes it.
 */
export function useOperationDurations(
  activity: Activity,
  now: () => number = Date.now,
): { durations: OperationDurations; release(): void } {
  let entry = shared.get(activity);
  if (entry === undefined) {
    const durations = new OperationDurations(now());
    entry = { durations, users: 0, unsubscribe: activity.subscribe((call) => durations.record(call)) };
    shared.set(activity, entry);
  }
  const held = entry;
  held.users++;
  let released = false;
  return {
    durations: held.durations,
    release() {
      if (released) return;
      released = true;
      if (--held.users > 0) return;
      held.unsubscribe();
      shared.delete(activity);
    },
  };
}
