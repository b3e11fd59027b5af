/**
 * openloop: latency against offered load, open loop, for Switchyard's builtin module path (the
 * gateway's embedded default, `serve --port 0`) and the floor (a bare `Bun.serve`) for reference.
 *
 * First the gateway's capacity: closed loop, 32 connections (as the e2e suite), 2xx per second.
 * Then a sweep at 25, 50, 75 and 100% of that capacity, each step at a fixed arrival rate, evenly
 * paced (driver.mjs `pace: even`: node `http` sends one request every 1/rate s whether or not the
 * earlier ones were answered) — on the gateway, then on the floor at the same rates (its own
 * capacity is far higher; the floor shows what the load generator and the network stack cost).
 * Figures per target and step: offered rate, achieved rate (2xx/s, ÷ offered), p50 and p99 of the
 * 2xx answers. Each pass (capacity, step) `--quick` 0.5 s warm-up + 2 s, full 0.5 s + 3 s (`--dry`:
 * 0.25 s + 1 s).
 */
import { type LoadResult, runLoad } from '../e2e/load.ts';
import { baseHeaders, callBody, openSession, verifyEcho, waitForHttp } from '../e2e/mcp-http.ts';
import { descendants, stop, withScratch } from '../e2e/process.ts';
import { SETUPS, type Setup } from '../e2e/setups.ts';
import type { BenchSuite, Figure, SuiteContext } from '../harness.ts';

const CONNECTIONS = 32;
const STEPS = [25, 50, 75, 100];
const TARGETS = ['switchyard builtin', 'floor'] as const;

interface Step {
  target: string;
  pct: number;
  offered: number;
  load: LoadResult;
}

interface Timing {
  warmupSeconds: number;
  durationSeconds: number;
}

/**
 * Starts `setup`, checks one call, then: with `rates` undefined, measures its closed-loop capacity
 * and sweeps the steps of it; else sweeps the given rates (by step). Returns the capacity (0 when
 * not measured) and the steps.
 */
async function sweep(
  ctx: SuiteContext,
  setup: Setup,
  tmp: string,
  timing: Timing,
  rates?: Map<number, number>,
): Promise<{ capacity: number; steps: Step[] }> {
  const { child, url } = await setup.start(tmp);
  try {
    await waitForHttp(url, 20_000, () => child.proc.exitCode === null);
    const headers = baseHeaders();
    if (setup.session) headers['mcp-session-id'] = await openSession(url);
    await verifyEcho(url, headers, setup.tool);
    const base = { url, headers, body: callBody(setup.tool, 'hello', '[<id>]'), connections: CONNECTIONS };
    let capacity = 0;
    if (!rates) {
      const closed = await runLoad(`${setup.name} capacity`, { ...base, ...timing });
      capacity = closed.reqPerSec;
      if (!(capacity > 0)) throw new Error(`${setup.name}: no capacity measured (${closed.errors} errors)`);
      ctx.log(
        `- ${setup.name} capacity (closed loop, ${CONNECTIONS} connections): ${capacity.toFixed(0)} 2xx/s`,
      );
    }
    const steps: Step[] = [];
    for (const pct of STEPS) {
      const offered = rates?.get(pct) ?? Math.max(1, Math.round((capacity * pct) / 100));
      const load = await runLoad(`${setup.name} ${pct}%`, {
        ...base,
        ...timing,
        overallRate: offered,
        pace: 'even',
      });
      steps.push({ target: setup.name, pct, offered, load });
      ctx.log(
        `- ${setup.name} at ${pct}% (${offered} req/s offered): ${load.reqPerSec.toFixed(0)} 2xx/s, p50 ${load.p50.toFixed(2)} ms, p99 ${load.p99.toFixed(2)} ms`,
      );
    }
    if (child.proc.exitCode !== null) throw new Error(`${setup.name} exited; stderr: ${child.stderrTail()}`);
    return { capacity, steps };
  } finally {
    await stop(child, 5000, descendants(child.pid));
  }
}

const suite: BenchSuite = {
  name: 'openloop',
  description:
    'latency vs offered load, open loop (evenly paced) at 25–100% of the closed-loop capacity: Switchyard builtin and the floor',
  async run(ctx) {
    const timing: Timing = ctx.dry
      ? { warmupSeconds: 0.25, durationSeconds: 1 }
      : ctx.quick
        ? { warmupSeconds: 0.5, durationSeconds: 2 }
        : { warmupSeconds: 0.5, durationSeconds: 3 };
    let capacity = 0;
    const steps: Step[] = [];
    await withScratch('switchyard-bench-openloop-', async (tmp) => {
      let rates: Map<number, number> | undefined;
      for (const name of TARGETS) {
        const setup = SETUPS.find((s) => s.name === name)!;
        const run = await sweep(ctx, setup, tmp, timing, rates);
        if (!rates) {
          capacity = run.capacity;
          rates = new Map(run.steps.map((s) => [s.pct, s.offered]));
        }
        steps.push(...run.steps);
      }
    });
    ctx.log(
      '\n| target | step | offered req/s | achieved 2xx/s | achieved ÷ offered | p50 ms | p99 ms | non-2xx | errors |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    const figures: Figure[] = [
      { name: `${TARGETS[0]} capacity (closed loop)`, value: capacity, unit: '2xx/s' },
    ];
    for (const s of steps) {
      const l = s.load;
      ctx.log(
        `| ${s.target} | ${s.pct}% | ${s.offered} | ${l.reqPerSec.toFixed(0)} | ${(l.reqPerSec / s.offered).toFixed(2)}× | ${l.p50.toFixed(2)} | ${l.p99.toFixed(2)} | ${l.non2xx} | ${l.errors + l.timeouts} |`,
      );
      const at = `${s.target} ${s.pct}%`;
      figures.push(
        { name: `${at} offered`, value: s.offered, unit: 'req/s' },
        {
          name: `${at} achieved`,
          value: l.reqPerSec,
          unit: '2xx/s',
          baseline: 'offered',
          ratio: l.reqPerSec / s.offered,
        },
        { name: `${at} p50`, value: l.p50, unit: 'ms', spread: l.p99 - l.p50 },
        { name: `${at} p99`, value: l.p99, unit: 'ms' },
        { name: `${at} errors`, value: l.non2xx + l.errors + l.timeouts, unit: 'count' },
      );
    }
    ctx.log(
      `\nSteps are shares of ${TARGETS[0]}'s closed-loop capacity (${capacity.toFixed(0)} 2xx/s); the floor is loaded at the same rates. One node process generates the load (node http, evenly paced, latency from when each request was due) on the same ${navigator.hardwareConcurrency} CPUs: where achieved falls short of offered, the generator or the server could not keep up.`,
    );
    return figures;
  },
};

export default suite;
