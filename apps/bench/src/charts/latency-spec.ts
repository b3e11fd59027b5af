/**
 * The shape both latency-vs-load charts share: latency (ms) against offered load (req/s), one line
 * per series and percentile — colour for the series, dashes for the percentile.
 */
import type { TopLevelSpec } from 'vega-lite';
import { CHART_CONFIG } from './render.ts';

export interface LatencyPoint {
  /** What was loaded, e.g. `switchyard builtin` or `admission on`. */
  series: string;
  percentile: 'p50' | 'p99';
  /** Offered load, requests per second. */
  offered: number;
  ms: number;
}

export function latencySpec(points: LatencyPoint[], title: string, subtitle: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle },
    config: CHART_CONFIG,
    width: 420,
    height: 260,
    data: { values: points.map((p) => ({ ...p, ms: Number(p.ms.toFixed(2)) })) },
    encoding: {
      x: { field: 'offered', type: 'quantitative', title: 'offered load (requests per second)' },
      y: { field: 'ms', type: 'quantitative', title: 'latency of 2xx answers (ms)' },
      color: { field: 'series', type: 'nominal', title: null },
      detail: [{ field: 'series' }, { field: 'percentile' }],
    },
    layer: [
      {
        mark: 'line',
        encoding: {
          strokeDash: {
            field: 'percentile',
            type: 'nominal',
            title: 'percentile',
            sort: ['p50', 'p99'],
            legend: {
              symbolType: 'stroke',
              symbolSize: 400,
              encoding: { symbols: { stroke: { value: '#333' }, strokeWidth: { value: 2 } } },
            },
          },
        },
      },
      { mark: { type: 'point', filled: true } },
    ],
  };
}
