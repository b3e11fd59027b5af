/**
 * overload: a slow backend (the stdio fixture's `sleep {ms: 50}`, one hot worker) behind Switchyard,
 * loaded past its capacity, with per-backend admission on (`limits: { concurrency: 4, queue: 8 }`)
 * and off (limits far above the load: `{ concurrency: 100000, queue: 100000 }`).
 *
 * First the capacity: closed loop, 4 connections (the admitted concurrency), against the gateway
 * with admission on; 2xx per second. Then offered load at 1×, 2× and 3× that capacity, open loop,
 * on each gateway, paced two ways (driver.mjs): `even` — node `http` sends one request every
 * 1/rate s — and `autocannon` — its `overallRate` (up to 256 connections), which sends each second's
 * requests in a burst when the second starts, so a 12-deep admission refuses most of each burst. Figures per point: goodput (2xx/s), p99 of the admitted (2xx) requests, refusals
 * (HTTP 503 and 429) per second, other errors. Each point: `--quick` 0.5 s warm-up + 2 s, full 1 s + 7 s
 * (so that a full run of every suite stays under ten minutes on 2 cores).
 */
import type { LoadResult } from '../e2e/load.ts';
import { runLoad } from '../e2e/load.ts';
import { baseHeaders, callTool, openSession, waitForHttp } from '../e2e/mcp-http.ts';
import { descendants, stop, withScratch } from '../e2e/process.ts';
import { bunPath, FIXTURE, startSwitchyard } from '../e2e/setups.ts';
import type { BenchSuite, Figure } from '../harness.ts';

const SLEEP_MS = 50;
const OPEN_CONNECTIONS = 256;
const MODES = {
  on: { concurrency: 4, queue: 8 },
  off: { concurrency: 100_000, queue: 100_000 },
} as const;
type Mode = keyof typeof MODES;
const MULTIPLES = [1, 2, 3];
const PACERS = ['even', 'autocannon'] as const;
type Pacer = (typeof PACERS)[number];

interface Point {
  mode: Mode;
  pacer: Pacer;
  multiple: number;
  offered: number;
  load: LoadResult;
}

const refusals = (l: LoadResult): number => (l.statusCodes['503'] ?? 0) + (l.statusCodes['429'] ?? 0);

const suite: BenchSuite = {
  name: 'overload',
  description: 'a 50 ms backend past its capacity: goodput, p99 and refusals with admission on and off',
  async run(ctx) {
    const warmupSeconds = ctx.quick ? 0.5 : 1;
    const durationSeconds = ctx.quick ? 2 : 7;
    let capacity = 0;
    const points: Point[] = [];
    await withScratch('switchyard-bench-overload-', async (tmp) => {
      for (const mode of ['on', 'off'] as const) {
        const { child, url } = await startSwitchyard(
          `switchyard admission ${mode}`,
          `overload-${mode}`,
          tmp,
          {
            mcpServers: {
              fx: { command: bunPath(), args: [FIXTURE], tier: 'hot', replicas: 1, limits: MODES[mode] },
            },
          },
        );
        try {
          await waitForHttp(url, 20_000, () => child.proc.exitCode === null);
          const headers = { ...baseHeaders(), 'mcp-session-id': await openSession(url) };
          const check = await callTool(url, headers, 'fx__sleep', { ms: SLEEP_MS });
          if (check.isError) throw new Error(`fx__sleep: ${JSON.stringify(check).slice(0, 300)}`);
          const body = JSON.stringify({
            jsonrpc: '2.0',
            id: '[<id>]',
            method: 'tools/call',
            params: { name: 'fx__sleep', arguments: { ms: SLEEP_MS } },
          });
          const base = { url, body, headers, warmupSeconds, durationSeconds };
          if (mode === 'on') {
            const closed = await runLoad('capacity', { ...base, connections: MODES.on.concurrency });
            capacity = closed.reqPerSec;
            if (!(capacity > 0))
              throw new Error(`no capacity measured: ${JSON.stringify(closed.statusCodes)}`);
            ctx.log(
              `- capacity (closed loop, ${MODES.on.concurrency} connections, admission on): ${capacity.toFixed(1)} 2xx/s, p99 ${closed.p99.toFixed(1)} ms`,
            );
          }
          for (const pacer of PACERS) {
            for (const multiple of MULTIPLES) {
              const offered = Math.max(1, Math.round(capacity * multiple));
              const load = await runLoad(`${mode} ${pacer} ${multiple}×`, {
                ...base,
                connections: OPEN_CONNECTIONS,
                overallRate: offered,
                ...(pacer === 'even' && { pace: 'even' as const }),
              });
              points.push({ mode, pacer, multiple, offered, load });
              ctx.log(
                `- admission ${mode}, ${pacer} pacing, ${multiple}× (${offered} req/s offered): ${load.reqPerSec.toFixed(1)} 2xx/s, p99 ${load.p99.toFixed(1)} ms, ${(refusals(load) / load.durationSeconds).toFixed(1)} refusals/s`,
              );
            }
          }
          if (child.proc.exitCode !== null)
            throw new Error(`the gateway exited; stderr: ${child.stderrTail()}`);
        } finally {
          await stop(child, 5000, descendants(child.pid));
        }
      }
    });
    ctx.log(
      '\n| admission | pacing | load | offered req/s | goodput 2xx/s | goodput ÷ capacity | p99 admitted ms | refusals/s (503, 429) | other non-2xx | errors |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    const figures: Figure[] = [
      { name: 'capacity (closed loop, admission on)', value: capacity, unit: '2xx/s' },
    ];
    for (const p of points) {
      const l = p.load;
      const refused = refusals(l) / l.durationSeconds;
      const other = l.non2xx - refusals(l);
      ctx.log(
        `| ${p.mode} | ${p.pacer} | ${p.multiple}× | ${p.offered} | ${l.reqPerSec.toFixed(1)} | ${(l.reqPerSec / capacity).toFixed(2)}× | ${l.p99.toFixed(1)} | ${refused.toFixed(1)} | ${other} | ${l.errors + l.timeouts} |`,
      );
      const at = `admission ${p.mode} ${p.pacer} ${p.multiple}×`;
      figures.push(
        {
          name: `${at} goodput`,
          value: l.reqPerSec,
          unit: '2xx/s',
          baseline: 'capacity',
          ratio: l.reqPerSec / capacity,
        },
        { name: `${at} p99 admitted`, value: l.p99, unit: 'ms', spread: l.p99 - l.p50 },
        { name: `${at} refusals`, value: refused, unit: '/s' },
        { name: `${at} errors`, value: other + l.errors + l.timeouts, unit: 'count' },
      );
    }
    ctx.log(
      `\nThe backend: the stdio fixture's sleep ${SLEEP_MS} ms, one hot worker. "on": limits { concurrency: 4, queue: 8 }; "off": { concurrency: 100000, queue: 100000 }. Goodput counts HTTP 2xx answers.`,
    );
    return figures;
  },
};

export default suite;
