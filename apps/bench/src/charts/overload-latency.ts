/**
 * Latency against offered load from the overload suite: its evenly paced (open-loop) points at 1×,
 * 2×, 3× the measured capacity of a 50 ms backend, p50 and p99 of the admitted requests, with
 * admission on and off. The autocannon-paced points are left out (they arrive as one burst a second,
 * not at the offered rate). p50 is the p99 figure minus its spread (the suite records p99 − p50).
 */
import type { Chart } from './chart.ts';
import { type LatencyPoint, latencySpec } from './latency-spec.ts';

const P99 = /^admission (on|off) even (\d+)× p99 admitted$/;
const CAPACITY = 'capacity (closed loop, admission on)';

export const overloadLatencyChart: Chart = {
  name: 'overload-latency',
  suite: 'overload',
  spec(figures, label) {
    const capacity = figures.find((f) => f.name === CAPACITY)?.value;
    if (!capacity) return { skip: `no "${CAPACITY}" figure` };
    const points: LatencyPoint[] = figures.flatMap((f) => {
      const m = P99.exec(f.name);
      if (!m) return [];
      const series = `admission ${m[1]}`;
      const offered = Math.max(1, Math.round(capacity * Number(m[2])));
      const p99: LatencyPoint = { series, percentile: 'p99', offered, ms: f.value };
      return f.spread === undefined ? [p99] : [p99, { ...p99, percentile: 'p50', ms: f.value - f.spread }];
    });
    if (points.length === 0) return { skip: 'no "admission <on|off> even <n>× p99 admitted" figure' };
    return latencySpec(
      points,
      'A 50 ms backend past its capacity: latency vs offered load',
      `open loop, evenly paced, 1×–3× capacity (${capacity.toFixed(0)} req/s); admitted requests — ${label}`,
    );
  },
};
