/**
 * The MCP metrics of the OpenTelemetry conventions recorded through the metrics SDK, pushed over
 * OTLP: `mcp.server.session.duration` (seconds, per 2025 session that ended here:
 * `session-labels.ts`), fed by the gateway's activity. `mcp.server.operation.duration`, recorded
 * per request, is aggregated by the gateway itself and read at each export
 * (`operation-durations.ts`, `operation-producer.ts`).
 */
import type { Meter } from '@opentelemetry/api';
import type { Activity } from '../gateway/activity.ts';
import { METRIC_MCP_SERVER_SESSION_DURATION } from './attributes.ts';
import { SESSION_DURATION_BUCKETS, sessionLabels, sessionSeconds } from './session-labels.ts';

export interface McpMeters {
  /** Stops listening to the activity. */
  close(): void;
}

export function mcpMeters(meter: Meter, activity: Activity): McpMeters {
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
      unsubscribeSessions();
    },
  };
}
