/**
 * Throughput by setup, from the e2e suite: one horizontal bar per setup (2xx answers per second,
 * closed loop), labelled with its value, in the order the suite ran them.
 */
import type { Chart } from './chart.ts';
import { CHART_CONFIG } from './render.ts';

const SUFFIX = ' throughput';

export const throughputChart: Chart = {
  name: 'e2e-throughput',
  suite: 'e2e',
  spec(figures, label) {
    const rows = figures
      .filter((f) => f.name.endsWith(SUFFIX) && f.unit === 'req/s')
      .map((f) => ({ setup: f.name.slice(0, -SUFFIX.length), reqPerSec: Math.round(f.value) }));
    if (rows.length === 0) return { skip: 'no "<setup> throughput" figure in req/s' };
    const y = {
      field: 'setup',
      type: 'nominal' as const,
      sort: null,
      title: null,
      axis: { labelLimit: 260 },
    };
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {
        text: 'End-to-end throughput by setup',
        subtitle: `tools/call echo over Streamable HTTP, 64 connections, closed loop — ${label}`,
      },
      config: CHART_CONFIG,
      width: 420,
      height: { step: 26 },
      data: { values: rows },
      encoding: { y, x: { field: 'reqPerSec', type: 'quantitative', title: '2xx answers per second' } },
      layer: [
        { mark: { type: 'bar', color: '#4c78a8' } },
        {
          mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 },
          encoding: { text: { field: 'reqPerSec', type: 'quantitative', format: ',' } },
        },
      ],
    };
  },
};
