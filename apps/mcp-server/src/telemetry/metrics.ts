/**
 * The MCP metrics of the OpenTelemetry conventions, pushed over OTLP: `mcp.server.operation.duration`
 * (seconds, per finished request, with bounded attributes: see `operation-labels.ts`) and
 * `mcp.server.session.duration` (seconds, per 2025 session that ended here: `session-labels.ts`),
 * fed by the gateway's activity.
 */
import type { Meter } from '@opentelemetry/api';
import type { Activity } from '../gateway/activity.ts';
import { KNOWN_METHODS } from '../metrics/methods.ts';
import { METRIC_MCP_SERVER_OPERATION_DURATION, METRIC_MCP_SERVER_SESSION_DURATION } from './attributes.ts';
import type { ToolLabels } from './labels.ts';
import { asAttributes, MCP_DURATION_BUCKETS, operationLabels } from './operation-labels.ts';
import { SESSION_DURATION_BUCKETS, sessionLabels, sessionSeconds } from './session-labels.ts';

export interface McpMeters {
  /** Stops listening to the activity. */
  close(): void;
}

export function mcpMeters(meter: Meter, activity: Activity, tools: ToolLabels): McpMeters {
  const operation = meter.createHistogram(METRIC_MCP_SERVER_OPERATION_DURATION, {
    unit: 's',
    description: 'MCP request duration as observed on the receiver, from its arrival to its answer.',
    advice: { explicitBucketBoundaries: [...MCP_DURATION_BUCKETS] },
  });
  // One attributes object per label set (the sets are bounded), made once.
  const attributeSets = new Map<string, Record<string, string>>();
  const unsubscribe = activity.subscribe((call) => {
    const labels = operationLabels(call, tools, KNOWN_METHODS);
    const key = Object.values(labels).join('\u0000');
    let attributes = attributeSets.get(key);
    if (attributes === undefined) {
      attributes = asAttributes(labels);
      attributeSets.set(key, attributes);
    }
    operation.record(Math.max(0, call.durationMs) / 1000, attributes);
  });
  const session = meter.createHistogram(METRIC_MCP_SERVER_SESSION_DURATION, {
    unit: 's',
    description: 'The duration of the MCP session as observed on the MCP server.',
    advice: { explicitBucketBoundaries: [...SESSION_DURATION_BUCKETS] },
  });
  const unsubscribeSessions = activity.onSessionEnd((end) => {
    session.record(sessionSeconds(end), { ...sessionLabels(end) });
  });
  return {
    close() {
      unsubscribe();
      unsubscribeSessions();
    },
  };
}
