/**
 * Idle RSS, from the idle suite: the resident memory of each server once settled after start, and
 * again settled after a few calls, as grouped bars labelled with their value.
 */
import type { Chart } from './chart.ts';
import { CHART_CONFIG } from './render.ts';

const NAME = /^(.+) (idle RSS|RSS after calls)$/;
const PHASES: Record<string, string> = {
  'idle RSS': 'idle after start',
  'RSS after calls': 'idle after calls',
};

export const idleRssChart: Chart = {
  name: 'idle-rss',
  suite: 'idle',
  spec(figures, label) {
    const rows = figures.flatMap((f) => {
      const m = NAME.exec(f.name);
      if (!m || f.unit !== 'MB' || m[1]!.includes(' − ')) return [];
      return [{ server: m[1]!, phase: PHASES[m[2]!]!, mb: Number(f.value.toFixed(1)) }];
    });
    if (rows.length === 0) return { skip: 'no "<server> idle RSS" figure in MB' };
    const x = {
      field: 'phase',
      type: 'nominal' as const,
      sort: Object.values(PHASES),
      title: null,
      axis: { labelAngle: 0 },
    };
    const y = { field: 'mb', type: 'quantitative' as const, title: 'RSS (MB)' };
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Idle resident memory', subtitle: `VmRSS, read after a settle period — ${label}` },
      config: CHART_CONFIG,
      width: 360,
      height: 240,
      data: { values: rows },
      encoding: { x, y, xOffset: { field: 'server', type: 'nominal' } },
      layer: [
        { mark: 'bar', encoding: { color: { field: 'server', type: 'nominal', title: null } } },
        {
          mark: { type: 'text', baseline: 'bottom', dy: -3, fontSize: 10, color: '#222' },
          encoding: { text: { field: 'mb', type: 'quantitative', format: ',.1f' } },
        },
      ],
    };
  },
};
