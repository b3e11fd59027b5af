/**
 * `mcp.server.operation.duration` for the OTLP metric export, read from the gateway's own
 * aggregate (`operation-durations.ts`) when the reader collects, instead of a histogram of the
 * metrics SDK recorded per request (which hashes the attributes — sorting their keys — on each
 * record). Cumulative, like the SDK's default for OTLP: each point holds every request since the
 * aggregate began.
 */

import { ValueType } from '@opentelemetry/api';
import { type InstrumentationScope, millisToHrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type HistogramMetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { METRIC_MCP_SERVER_OPERATION_DURATION } from './attributes.ts';
import type { OperationDurations } from './operation-durations.ts';

export const OPERATION_DESCRIPTION =
  'MCP request duration as observed on the receiver, from its arrival to its answer.';

export function operationProducer(
  durations: OperationDurations,
  resource: Resource,
  scope: InstrumentationScope,
  now: () => number = Date.now,
): MetricProducer {
  const boundaries = [...durations.set.buckets];
  const startTime = millisToHrTime(durations.since);
  return {
    collect() {
      const endTime = millisToHrTime(now());
      const dataPoints: HistogramMetricData['dataPoints'] = [];
      for (const series of durations.set.all()) {
        dataPoints.push({
          startTime,
          endTime,
          attributes: series.labels.attributes,
          value: {
            buckets: { boundaries, counts: [...series.counts] },
            sum: series.sum,
            count: series.count,
            min: series.min,
            max: series.max,
          },
        });
      }
      const metric: HistogramMetricData = {
        descriptor: {
          name: METRIC_MCP_SERVER_OPERATION_DURATION,
          description: OPERATION_DESCRIPTION,
          unit: 's',
          valueType: ValueType.DOUBLE,
        },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints,
      };
      return Promise.resolve({
        resourceMetrics: {
          resource,
          scopeMetrics: dataPoints.length > 0 ? [{ scope, metrics: [metric] }] : [],
        },
        errors: [],
      });
    },
  };
}
