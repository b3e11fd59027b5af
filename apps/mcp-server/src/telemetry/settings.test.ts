import { describe, expect, it } from 'vitest';
import { isConfigError } from '../config/errors.ts';
import { parseKeyValueList, resolveTelemetry, samplerFromEnv } from './settings.ts';

const OFF_BY_DEFAULT = { metricsIntervalMs: 60_000 };

describe('resolveTelemetry', () => {
  it('is off by default, with no OTEL_* variable', () => {
    expect(resolveTelemetry(OFF_BY_DEFAULT, {})).toBeUndefined();
  });

  it('is on with OTEL_EXPORTER_OTLP_ENDPOINT alone, taking the standard variables', () => {
    const settings = resolveTelemetry(OFF_BY_DEFAULT, {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-team=core',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_SERVICE_NAME: 'edge-gw',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,service.namespace=mcp',
    });
    expect(settings).toEqual({
      endpoint: 'http://collector:4318',
      tracesUrl: 'http://collector:4318/v1/traces',
      metricsUrl: 'http://collector:4318/v1/metrics',
      headers: { authorization: 'Bearer abc', 'x-team': 'core' },
      sampler: { ratio: 0.25, parentBased: true },
      serviceName: 'edge-gw',
      resourceAttributes: { 'deployment.environment.name': 'prod', 'service.namespace': 'mcp' },
      metricsIntervalMs: 60_000,
      protocol: 'http/protobuf',
    });
  });

  it('sends http/protobuf by default; the file, then OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, then OTEL_EXPORTER_OTLP_PROTOCOL say otherwise', () => {
    const on = { ...OFF_BY_DEFAULT, enabled: true };
    expect(resolveTelemetry(on, {})?.protocol).toBe('http/protobuf');
    expect(resolveTelemetry(on, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })?.protocol).toBe('http/json');
    expect(
      resolveTelemetry(on, {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      })?.protocol,
    ).toBe('http/protobuf');
    expect(
      resolveTelemetry({ ...on, protocol: 'http/json' }, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' })
        ?.protocol,
    ).toBe('http/json');
  });

  it('refuses a protocol it does not speak, naming the variable and the values it takes', () => {
    const on = { ...OFF_BY_DEFAULT, enabled: true };
    const refused = (env: Record<string, string>) => {
      try {
        resolveTelemetry(on, env);
      } catch (error) {
        expect(isConfigError(error)).toBe(true);
        return (error as Error).message;
      }
      throw new Error('not refused');
    };
    expect(refused({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toContain(
      'OTEL_EXPORTER_OTLP_PROTOCOL: expected one of http/protobuf, http/json; found "grpc"',
    );
    expect(refused({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/proto' })).toContain(
      'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: expected one of http/protobuf, http/json; found "http/proto"',
    );
  });

  it('takes the signal-specific endpoints as whole URLs', () => {
    const settings = resolveTelemetry(OFF_BY_DEFAULT, {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:4318/custom/traces',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://m:4318/custom/metrics',
    });
    expect(settings?.tracesUrl).toBe('http://t:4318/custom/traces');
    expect(settings?.metricsUrl).toBe('http://m:4318/custom/metrics');
  });

  it('lets the file win over the environment, merging resource attributes', () => {
    const settings = resolveTelemetry(
      {
        enabled: true,
        endpoint: 'https://otel.example.com',
        headers: { 'x-key': 'from-file' },
        sampling: 0.5,
        serviceName: 'from-file',
        resourceAttributes: { 'service.namespace': 'file' },
        metricsIntervalMs: 5_000,
      },
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://env:4318/v1/traces',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-key=from-env',
        OTEL_TRACES_SAMPLER: 'always_off',
        OTEL_SERVICE_NAME: 'from-env',
        OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=env,team=a',
      },
    );
    expect(settings).toMatchObject({
      endpoint: 'https://otel.example.com',
      tracesUrl: 'https://otel.example.com/v1/traces',
      headers: { 'x-key': 'from-file' },
      sampler: { ratio: 0.5, parentBased: true },
      serviceName: 'from-file',
      resourceAttributes: { 'service.namespace': 'file', team: 'a' },
      metricsIntervalMs: 5_000,
    });
  });

  it('is off when the file says so, or OTEL_SDK_DISABLED=true whatever the file says', () => {
    expect(
      resolveTelemetry(
        { ...OFF_BY_DEFAULT, enabled: false },
        { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' },
      ),
    ).toBeUndefined();
    expect(
      resolveTelemetry({ ...OFF_BY_DEFAULT, enabled: true }, { OTEL_SDK_DISABLED: 'TRUE' }),
    ).toBeUndefined();
    expect(resolveTelemetry({ ...OFF_BY_DEFAULT, enabled: true }, {})?.endpoint).toBe(
      'http://localhost:4318',
    );
  });
});

describe('samplerFromEnv', () => {
  it.each([
    ['always_on', undefined, { ratio: 1, parentBased: false }],
    ['always_off', undefined, { ratio: 0, parentBased: false }],
    ['traceidratio', '0.1', { ratio: 0.1, parentBased: false }],
    ['parentbased_always_on', undefined, { ratio: 1, parentBased: true }],
    ['parentbased_always_off', undefined, { ratio: 0, parentBased: true }],
    ['parentbased_traceidratio', '2', { ratio: 1, parentBased: true }],
  ])('%s (arg %s)', (name, arg, expected) => {
    expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: name, OTEL_TRACES_SAMPLER_ARG: arg })).toEqual(expected);
  });

  it('says nothing of a sampler it does not know (jaeger_remote …)', () => {
    expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'jaeger_remote' })).toBeUndefined();
  });
});

describe('parseKeyValueList', () => {
  it('skips malformed parts and keeps a value that is not percent-encoded as written', () => {
    expect(parseKeyValueList('a=1,broken,=x, b = two ,c=%E0%A4%A')).toEqual({
      a: '1',
      b: 'two',
      c: '%E0%A4%A',
    });
  });
});
