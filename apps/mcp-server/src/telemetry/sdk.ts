/**
 * The OpenTelemetry SDK, started for one gateway: a tracer of our own (`lean-tracer.ts`: lean
 * spans, each handed as its record to the span thread when it ends: `span-shipper.ts`) exporting
 * spans over OTLP/HTTP (protobuf by default, or JSON; our own exporter: `span-exporter.ts`) in batches
 * (`span-batches.ts`) from that thread, sampled by ratio (following a
 * caller's decision, the SDK's samplers), and a meter provider pushing
 * metrics over OTLP/HTTP (JSON, the SDK's exporter) at an interval. Nothing is registered globally: the gateway hands its
 * tracer and meter to the parts that record (two gateways in one process keep apart).
 */
import type { Meter, Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  MeterProvider,
  type MetricProducer,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { ParentBasedSampler, type Sampler } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { runtimeFile } from '../runtime-files.ts';
import type { RandomBytes } from './ids.ts';
import { IdSource } from './ids.ts';
import { LeanTracer } from './lean-tracer.ts';
import { CheckedIdsRatioSampler } from './ratio-sampler.ts';
import type { RequestEnvelope } from './request-envelope.ts';
import type { TelemetrySettings } from './settings.ts';
import { SpanShipper, type SpanShipping } from './span-shipper.ts';

/**
 * The span queue: a gateway at a few thousand calls/s ends several thousand spans a second; 8,192
 * (the SDK's default is 2,048) ride out a slow collector for a second or two before spans are
 * dropped. Batches stay at 512 (~0.45 MB of OTLP JSON, less as protobuf): larger ones measured no cheaper.
 */
const BATCHES = { maxQueue: 8_192, maxBatch: 512 } as const;

/** Longest the last export may hold up the gateway's stop, ms. */
const SHUTDOWN_BOUND_MS = 3_000;

/** The instrumentation scope of the gateway's spans and metrics. */
export const SCOPE = '@switchyard/mcp-server';

export interface TelemetrySdk {
  readonly tracer: Tracer;
  readonly meter: Meter;
  readonly propagator: W3CTraceContextPropagator;
  /** What the span export lost so far, and its span thread's restarts. */
  readonly shipping: SpanShipping;
  /** Sends what is buffered (spans, metrics) now. */
  flush(): Promise<void>;
  /** Flushes, then stops exporting. */
  shutdown(): Promise<void>;
}

function samplerOf({ ratio, parentBased }: TelemetrySettings['sampler']): Sampler {
  // The SDK's ratio sampler, less its second check of ids the lean tracer has made or checked.
  const root = new CheckedIdsRatioSampler(ratio);
  return parentBased ? new ParentBasedSampler({ root }) : root;
}

/** What surrounds the spans of each export request: the gateway's resource and scope. */
function envelopeOf(resource: Resource, version: string): RequestEnvelope {
  const attributes: RequestEnvelope['resource']['attributes'] = {};
  for (const [key, value] of Object.entries(resource.attributes))
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      attributes[key] = value;
  return {
    resource: { attributes, ...(resource.schemaUrl && { schemaUrl: resource.schemaUrl }) },
    scope: { name: SCOPE, version },
  };
}

/**
 * `producers`: metrics aggregated outside the SDK (see `operation-producer.ts`), each made for the
 * resource and scope of the gateway's, read at each export beside the SDK's own.
 * `randomBytes`: the source of trace and span ids (default: `crypto.getRandomValues`).
 */
export function startSdk(
  settings: TelemetrySettings,
  version: string,
  producers: readonly ((
    resource: Resource,
    scope: { name: string; version: string },
  ) => MetricProducer)[] = [],
  randomBytes?: RandomBytes,
): TelemetrySdk {
  const resource = resourceFromAttributes({
    ...settings.resourceAttributes,
    [ATTR_SERVICE_NAME]: settings.serviceName,
    [ATTR_SERVICE_VERSION]: version,
  });
  // The spans' export requests are written and sent on a thread of its own (`span-thread.ts`).
  const spans = new SpanShipper(() => new Worker(runtimeFile('telemetry/span-thread')), {
    kind: 'start',
    protocol: settings.protocol,
    exporter: { url: settings.tracesUrl, headers: settings.headers },
    envelope: envelopeOf(resource, version),
    batches: BATCHES,
  });
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: settings.metricsUrl, headers: settings.headers }),
        exportIntervalMillis: settings.metricsIntervalMs,
        exportTimeoutMillis: Math.min(30_000, settings.metricsIntervalMs),
        metricProducers: producers.map((make) => make(resource, { name: SCOPE, version })),
      }),
    ],
  });
  return {
    // Both samplers record a recorded span's children (parent-based, or by its trace id's ratio).
    tracer: new LeanTracer(samplerOf(settings.sampler), spans, new IdSource(randomBytes), {
      recordsChildrenOfRecorded: true,
    }),
    meter: meterProvider.getMeter(SCOPE, version),
    propagator: new W3CTraceContextPropagator(),
    shipping: spans,
    async flush() {
      await Promise.allSettled([spans.flush(), meterProvider.forceFlush()]);
    },
    async shutdown() {
      // A collector that is gone must not hold up the gateway's stop: its last export gets a bound.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled([spans.shutdown(), meterProvider.shutdown()]),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, SHUTDOWN_BOUND_MS);
        }),
      ]);
      clearTimeout(timer);
      spans.close();
    },
  };
}
