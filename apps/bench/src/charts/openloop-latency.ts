/**
 * Latency against offered load from the openloop suite: p50 and p99 at each step of its sweep
 * (a share of the closed-loop capacity measured in the same run), per target.
 */
import type { Chart } from './chart.ts';
import { type LatencyPoint, latencySpec } from './latency-spec.ts';

const NAME = /^(.+) (\d+)% (offered|p50|p99)$/;

export const openloopLatencyChart: Chart = {
  name: 'openloop-latency',
  suite: 'openloop',
  spec(figures, label) {
    const offered = new Map<string, number>();
    const latencies: { key: string; series: string; percentile: 'p50' | 'p99'; ms: number }[] = [];
    for (const f of figures) {
      const m = NAME.exec(f.name);
      if (!m) continue;
      const key = `${m[1]} ${m[2]}`;
      if (m[3] === 'offered') offered.set(key, f.value);
      else latencies.push({ key, series: m[1]!, percentile: m[3] as 'p50' | 'p99', ms: f.value });
    }
    const points: LatencyPoint[] = latencies.flatMap(({ key, series, percentile, ms }) => {
      const at = offered.get(key);
      return at === undefined || !Number.isFinite(ms) ? [] : [{ series, percentile, offered: at, ms }];
    });
    if (points.length === 0) return { skip: 'no "<target> <n>% offered" figure with its p50 / p99' };
    return latencySpec(
      points,
      'Latency vs offered load (open loop)',
      `tools/call echo at a fixed arrival rate, evenly paced; steps are shares of the closed-loop capacity — ${label}`,
    );
  },
};
