/**
 * Tier start times, from the tiers suite: new session → first tool result through the gateway, the
 * median per tier (hot / warm / cold) for each server, as grouped bars labelled with their value.
 * A tick marks the p90 (median + the figure's spread) where the suite recorded it.
 */
import type { Chart } from './chart.ts';
import { CHART_CONFIG } from './render.ts';

const TIER_ORDER = ['hot', 'warm', 'cold'];
const NAME = /^(.+) (hot|warm|cold) median$/;

export const tiersChart: Chart = {
  name: 'tiers-start',
  suite: 'tiers',
  spec(figures, label) {
    const rows = figures.flatMap((f) => {
      const m = NAME.exec(f.name);
      if (!m || f.unit !== 'ms') return [];
      const ms = Number(f.value.toFixed(1));
      return [{ server: m[1]!, tier: m[2]!, ms, p90: f.spread === undefined ? ms : f.value + f.spread }];
    });
    if (rows.length === 0) return { skip: 'no "<server> <tier> median" figure in ms' };
    const x = {
      field: 'tier',
      type: 'nominal' as const,
      sort: TIER_ORDER,
      title: 'tier',
      axis: { labelAngle: 0 },
    };
    const xOffset = { field: 'server', type: 'nominal' as const };
    const color = { field: 'server', type: 'nominal' as const, title: 'server' };
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {
        text: 'New session → first tool result, by tier',
        subtitle: `median (tick: p90) of initialize + first tools/call through the gateway — ${label}`,
      },
      config: CHART_CONFIG,
      width: 420,
      height: 260,
      data: { values: rows },
      encoding: { x, xOffset, color },
      layer: [
        { mark: 'bar', encoding: { y: { field: 'ms', type: 'quantitative', title: 'ms' } } },
        {
          mark: { type: 'tick', color: '#333', thickness: 1.5 },
          encoding: { y: { field: 'p90', type: 'quantitative' }, color: { value: '#333' } },
        },
        {
          mark: { type: 'text', baseline: 'bottom', dy: -3, fontSize: 10 },
          encoding: {
            y: { field: 'ms', type: 'quantitative' },
            text: { field: 'ms', type: 'quantitative', format: ',.1f' },
            color: { value: '#222' },
          },
        },
      ],
    };
  },
};
