/**
 * The gateway's telemetry, started with it when `switchyard.telemetry` (or `OTEL_*`) turns it on:
 * the SDK (`sdk.ts`), the coordinator's call tracing (`calls.ts`), the front door's server spans
 * (`front.ts`) and the MCP metrics (`metrics.ts`). Off, none of it exists: the coordinator gets no
 * `tracing`, the front door no `tracing`, and nothing is exported.
 */
import type { MultiTierPoolManager } from '@switchyard/multi-tier';
import type { Activity } from '../gateway/activity.ts';
import { OtelCallTracing } from './calls.ts';
import { FrontTracing } from './front.ts';
import { type McpMeters, mcpMeters } from './metrics.ts';
import { useOperationDurations } from './operation-durations.ts';
import { operationProducer } from './operation-producer.ts';
import { startSdk } from './sdk.ts';
import type { TelemetrySettings } from './settings.ts';
import type { SpanShipping } from './span-shipper.ts';

export interface GatewayTelemetry {
  readonly settings: TelemetrySettings;
  /** For `MCPCoordinatorOptions.tracing`. */
  readonly calls: OtelCallTracing;
  /** For the HTTP front door. */
  readonly front: FrontTracing;
  readonly meters: McpMeters;
  /** Spans dropped (the span thread behind, or its export queue full) and span thread restarts. */
  readonly shipping: SpanShipping;
  /** Exports what is buffered now. */
  flush(): Promise<void>;
  /** Flushes and stops (the gateway's stop). */
  shutdown(): Promise<void>;
}

export interface TelemetryParts {
  version: string;
  manager: MultiTierPoolManager;
  activity: Activity;
}

export function startTelemetry(settings: TelemetrySettings, parts: TelemetryParts): GatewayTelemetry {
  // The operation durations are aggregated per request by the gateway (shared with /metrics) and
  // handed to the OTLP export when it collects.
  const operations = useOperationDurations(parts.activity);
  const sdk = startSdk(settings, parts.version, [
    (resource, scope) => operationProducer(operations.durations, resource, scope),
  ]);
  const calls = new OtelCallTracing(sdk.tracer);
  const stops = [
    parts.manager.on('worker-ready', (e) => calls.workerReady(e.backend, e.workerId, e.startMs)),
    parts.manager.on('worker-stopped', (e) => calls.workerGone(e.backend, e.workerId)),
    parts.manager.on('worker-died', (e) => calls.workerGone(e.backend, e.workerId)),
  ];
  const meters = mcpMeters(sdk.meter, parts.activity);
  let stopped: Promise<void> | undefined;
  return {
    settings,
    calls,
    front: new FrontTracing(sdk),
    meters,
    shipping: sdk.shipping,
    flush: () => sdk.flush(),
    shutdown() {
      stopped ??= (async () => {
        for (const stop of stops) stop();
        meters.close();
        await sdk.shutdown();
        operations.release();
      })();
      return stopped;
    },
  };
}
