/**
 * What telemetry the gateway sends, and where: `switchyard.telemetry` in the configuration, with
 * the standard `OTEL_*` environment variables filling what it leaves unset (the file wins where
 * both say something; `OTEL_SDK_DISABLED=true` turns telemetry off whatever the file says).
 *
 * Pure: the environment is passed in. Header values (credentials, typically) stay in the result
 * and are never put in an error or a log line.
 */
import type { Environment } from '../config/env.ts';
import { ConfigError } from '../config/errors.ts';
import type { SwitchyardSettings } from '../config/schema.ts';
import { OTLP_PROTOCOLS, type OtlpProtocol } from './span-messages.ts';

/** Telemetry switched on: everything the SDK wiring needs. */
export interface TelemetrySettings {
  /** The collector's base URL, without a trailing slash. */
  endpoint: string;
  /** Where spans go: `<endpoint>/v1/traces` unless OTEL_EXPORTER_OTLP_TRACES_ENDPOINT says. */
  tracesUrl: string;
  /** Where metrics go: `<endpoint>/v1/metrics` unless OTEL_EXPORTER_OTLP_METRICS_ENDPOINT says. */
  metricsUrl: string;
  headers: Record<string, string>;
  /** The share of root traces recorded, 0…1; `parentBased`: a caller's sampling decision is followed. */
  sampler: { ratio: number; parentBased: boolean };
  serviceName: string;
  resourceAttributes: Record<string, string>;
  metricsIntervalMs: number;
  /** How spans are sent: OTLP/HTTP protobuf (the OTel spec's default) or JSON. Metrics go as JSON. */
  protocol: OtlpProtocol;
}

const DEFAULT_ENDPOINT = 'http://localhost:4318';

/** `k1=v1,k2=v2` with percent-encoded values (OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES). */
export function parseKeyValueList(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    let value = raw;
    try {
      value = decodeURIComponent(raw);
    } catch {
      // Not percent-encoded after all: taken as written.
    }
    if (key) out[key] = value;
  }
  return out;
}

/** OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG, as a ratio; `undefined` when they say nothing usable. */
export function samplerFromEnv(env: Environment): { ratio: number; parentBased: boolean } | undefined {
  const name = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase();
  if (!name) return undefined;
  const arg = Number(env.OTEL_TRACES_SAMPLER_ARG);
  const ratio = Number.isFinite(arg) && arg >= 0 && arg <= 1 ? arg : 1;
  switch (name) {
    case 'always_on':
      return { ratio: 1, parentBased: false };
    case 'always_off':
      return { ratio: 0, parentBased: false };
    case 'traceidratio':
      return { ratio, parentBased: false };
    case 'parentbased_always_on':
      return { ratio: 1, parentBased: true };
    case 'parentbased_always_off':
      return { ratio: 0, parentBased: true };
    case 'parentbased_traceidratio':
      return { ratio, parentBased: true };
    default:
      return undefined;
  }
}

/**
 * OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL; `undefined` when neither
 * is set. A value we do not speak (`grpc`, a typo) is a `ConfigError` naming the variable.
 */
export function protocolFromEnv(env: Environment): OtlpProtocol | undefined {
  for (const key of ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL'] as const) {
    const value = env[key]?.trim();
    if (!value) continue;
    if ((OTLP_PROTOCOLS as readonly string[]).includes(value)) return value as OtlpProtocol;
    throw new ConfigError('the environment', [
      { path: key, expected: `one of ${OTLP_PROTOCOLS.join(', ')}`, found: JSON.stringify(value) },
    ]);
  }
  return undefined;
}

function withoutSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

function isTrue(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

/** The telemetry to run, or `undefined` when it is off. */
export function resolveTelemetry(
  config: SwitchyardSettings['telemetry'],
  env: Environment,
): TelemetrySettings | undefined {
  if (isTrue(env.OTEL_SDK_DISABLED)) return undefined;
  const envEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || undefined;
  const envTraces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || undefined;
  const envMetrics = env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT?.trim() || undefined;
  const enabled = config.enabled ?? (envEndpoint !== undefined || envTraces !== undefined);
  if (!enabled) return undefined;
  const endpoint = withoutSlash(config.endpoint ?? envEndpoint ?? DEFAULT_ENDPOINT);
  const fromFile = config.endpoint !== undefined;
  return {
    endpoint,
    // The signal-specific variables are whole URLs (no path added), and give way to the file's endpoint.
    tracesUrl: !fromFile && envTraces ? envTraces : `${endpoint}/v1/traces`,
    metricsUrl: !fromFile && envMetrics ? envMetrics : `${endpoint}/v1/metrics`,
    headers: config.headers ?? parseKeyValueList(env.OTEL_EXPORTER_OTLP_HEADERS),
    sampler:
      config.sampling !== undefined
        ? { ratio: config.sampling, parentBased: true }
        : (samplerFromEnv(env) ?? { ratio: 1, parentBased: true }),
    serviceName: config.serviceName ?? (env.OTEL_SERVICE_NAME?.trim() || 'switchyard'),
    resourceAttributes: {
      ...parseKeyValueList(env.OTEL_RESOURCE_ATTRIBUTES),
      ...config.resourceAttributes,
    },
    metricsIntervalMs: config.metricsIntervalMs,
    protocol: config.protocol ?? protocolFromEnv(env) ?? 'http/protobuf',
  };
}
