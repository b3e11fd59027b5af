/**
 * e2e: end-to-end load on MCP servers over Streamable HTTP — Switchyard (builtin module backend;
 * stdio fixture with 1 and 2 replicas; a CPU-bound stdio fixture with 1 and 2 replicas, loaded by
 * 32 sessionless 2026-07-28 clients, one affinity key per connection) against the peers a user
 * would pick instead (the official SDK v1 server, supergateway in front of the same stdio fixture)
 * and a floor (a bare `Bun.serve` that parses the JSON-RPC body and answers).
 *
 * Each setup runs alone, as its own process on 127.0.0.1; autocannon loads it from its own `node`
 * process (driver.mjs), closed loop, 32 connections, `tools/call echo {text:"hello"}` with a fresh
 * JSON-RPC id per call (ids must not repeat within a session), after a warm-up: 10 s per setup
 * (`--quick`: 2 s). One call's answer is checked before the load. Figures:
 * 2xx answers per second, latency p50/p99/p99.9, non-2xx and errors, the server's peak RSS and CPU
 * time (with the processes below it: Switchyard's and supergateway's stdio backends), each ratio
 * against the floor and the SDK server oriented so that > 1 is better; and `cpu-stdio ×2 ÷ ×1`, the
 * throughput of two replicas of the CPU-bound backend over one.
 */
import { loadavg } from 'node:os';
import type { BenchSuite, Figure, SuiteContext } from '../harness.ts';
import { type LoadResult, runLoad } from './load.ts';
import {
  AFFINITY_HEADER,
  baseHeaders,
  callBody,
  modernCallBody,
  modernHeaders,
  openSession,
  verifyEcho,
  waitForHttp,
} from './mcp-http.ts';
import { descendants, stop, type Usage, usage, withScratch } from './process.ts';
import { profileReport, profiling } from './profile.ts';
import { bunPath, nodePath, SETUPS, type Setup } from './setups.ts';

const CONNECTIONS = 32;

interface Measured {
  setup: string;
  load: LoadResult;
  /** CPU seconds over the measured pass: the server alone, and with the processes below it. */
  cpuMain: number;
  cpuTree: number;
  rssMain: number;
  rssTree: number;
}

type Outcome = Measured | { setup: string; error: string };

async function measure(setup: Setup, tmp: string, ctx: SuiteContext): Promise<Measured> {
  const { child, url } = await setup.start(tmp);
  try {
    const alive = () => child.proc.exitCode === null && child.proc.signalCode === null;
    await waitForHttp(url, 20_000, alive).catch((e: unknown) => {
      const code = child.proc.exitCode ?? child.proc.signalCode;
      throw new Error(
        `${e instanceof Error ? e.message : String(e)} (exit ${code}); stderr: ${child.stderrTail()}`,
      );
    });
    const modern = setup.clients !== undefined;
    const headers = modern ? modernHeaders(setup.tool) : baseHeaders();
    if (setup.session) headers['mcp-session-id'] = await openSession(url);
    const argument = setup.argument ?? 'text';
    const body = (id: number | string) =>
      modern
        ? modernCallBody(setup.tool, 'hello', id, argument)
        : callBody(setup.tool, 'hello', id, argument);
    await verifyEcho(url, headers, setup.tool, body(1), setup.answer ?? 'hello');

    const warmupSeconds = ctx.quick ? 0.5 : 2;
    const durationSeconds = ctx.quick ? 2 : 10;
    let before: Usage | undefined;
    const load = await runLoad(
      setup.name,
      {
        url,
        body: body('[<id>]'),
        headers,
        connections: CONNECTIONS,
        warmupSeconds,
        durationSeconds,
        ...(modern && {
          headersPerConnection: Array.from({ length: setup.clients ?? 1 }, (_, k) => ({
            [AFFINITY_HEADER]: `client-${k}`,
          })),
        }),
      },
      () => {
        before = usage(child.pid);
      },
    );
    const after = usage(child.pid);
    if (!alive()) throw new Error(`${setup.name} exited during the load; stderr: ${child.stderrTail()}`);
    if (load.ok === 0) {
      throw new Error(
        `no 2xx answer under load (status codes ${JSON.stringify(load.statusCodes)}, errors ${load.errors})`,
      );
    }
    return {
      setup: setup.name,
      load,
      cpuMain: after.cpuMain - before!.cpuMain,
      cpuTree: after.cpuTree - before!.cpuTree,
      rssMain: after.rssMain,
      rssTree: after.rssTree,
    };
  } finally {
    // What runs below it now (its stdio backends) must be gone once it has stopped.
    const left = await stop(child, 5000, descendants(child.pid));
    if (left.length)
      ctx.log(`  (${setup.name} left ${left.length} process(es) below it running after it stopped: killed)`);
    if (setup.name.startsWith('switchyard') && profiling())
      ctx.log(`  CPU profile of the gateway: ${profileReport()}`);
  }
}

const MB = 1024 * 1024;

function figures(rows: Measured[]): Figure[] {
  const floor = rows.find((r) => r.setup === 'floor');
  const sdk = rows.find((r) => r.setup === 'sdk');
  const out: Figure[] = [];
  for (const r of rows) {
    const l = r.load;
    const tputRatios: Record<string, number> = {};
    const p50Ratios: Record<string, number> = {};
    for (const [name, base] of [
      ['floor', floor],
      ['sdk', sdk],
    ] as const) {
      if (!base) continue;
      tputRatios[name] = l.reqPerSec / base.load.reqPerSec;
      p50Ratios[name] = base.load.p50 / l.p50;
    }
    const baseline = floor ? 'floor' : undefined;
    out.push(
      {
        name: `${r.setup} throughput`,
        value: l.reqPerSec,
        unit: 'req/s',
        baseline,
        ratio: tputRatios.floor,
        ratios: tputRatios,
      },
      {
        name: `${r.setup} latency p50`,
        value: l.p50,
        unit: 'ms',
        baseline,
        ratio: p50Ratios.floor,
        ratios: p50Ratios,
        spread: l.p99 - l.p50,
      },
      { name: `${r.setup} latency p99`, value: l.p99, unit: 'ms' },
      { name: `${r.setup} latency p99.9`, value: l.p999, unit: 'ms' },
      { name: `${r.setup} non-2xx`, value: l.non2xx, unit: 'count' },
      { name: `${r.setup} errors`, value: l.errors + l.timeouts, unit: 'count' },
      { name: `${r.setup} peak RSS`, value: r.rssMain / MB, unit: 'MB' },
      { name: `${r.setup} peak RSS with backends`, value: r.rssTree / MB, unit: 'MB' },
      { name: `${r.setup} CPU time`, value: r.cpuMain, unit: 's' },
      { name: `${r.setup} CPU time with backends`, value: r.cpuTree, unit: 's' },
      { name: `${r.setup} CPU per call`, value: (r.cpuTree / Math.max(1, l.requests)) * 1e6, unit: 'µs' },
    );
  }
  // Switchyard against supergateway in front of the same stdio server: rate and p99.
  for (const [ours, theirs] of [
    ['switchyard stdio ×1', 'supergateway'],
    ['switchyard everything ×1', 'supergateway everything'],
  ] as const) {
    const a = rows.find((r) => r.setup === ours);
    const b = rows.find((r) => r.setup === theirs);
    if (!a || !b) continue;
    const rate = a.load.reqPerSec / b.load.reqPerSec;
    const p99 = b.load.p99 / a.load.p99;
    out.push(
      { name: `${ours} ÷ ${theirs} throughput`, value: rate, unit: 'ratio', baseline: theirs, ratio: rate },
      { name: `${theirs} p99 ÷ ${ours} p99`, value: p99, unit: 'ratio', baseline: theirs, ratio: p99 },
    );
  }
  const cpu1 = rows.find((r) => r.setup === 'switchyard cpu-stdio ×1');
  const cpu2 = rows.find((r) => r.setup === 'switchyard cpu-stdio ×2');
  if (cpu1 && cpu2) {
    const ratio = cpu2.load.reqPerSec / cpu1.load.reqPerSec;
    out.push({
      name: 'cpu-stdio ×2 ÷ ×1 throughput',
      value: ratio,
      unit: 'ratio',
      baseline: 'switchyard cpu-stdio ×1',
      ratio,
    });
  }
  return out;
}

const x = (v: number | undefined): string =>
  v === undefined || !Number.isFinite(v) ? '' : `${v.toFixed(2)}×`;
const n = (v: number, digits = 2): string => (Number.isFinite(v) ? v.toFixed(digits) : '');

function table(outcomes: Outcome[]): string[] {
  const rows = outcomes.filter((o): o is Measured => 'load' in o);
  const floor = rows.find((r) => r.setup === 'floor');
  const sdk = rows.find((r) => r.setup === 'sdk');
  const lines = [
    '| setup | req/s | req/s ÷ floor | req/s ÷ sdk | p50 ms | p50 floor÷setup | p50 sdk÷setup | p99 ms | p99.9 ms | non-2xx | errors | peak RSS MB (server / with backends) | CPU s (server / with backends) | CPU µs per call |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const o of outcomes) {
    if (!('load' in o)) {
      lines.push(
        `| ${o.setup} | error: ${o.error.replaceAll('|', '\\|').replaceAll('\n', ' ')} |||||||||||||`,
      );
      continue;
    }
    const l = o.load;
    lines.push(
      `| ${o.setup} | ${Math.round(l.reqPerSec).toLocaleString('en-US')} | ${x(floor && l.reqPerSec / floor.load.reqPerSec)} | ${x(sdk && l.reqPerSec / sdk.load.reqPerSec)} | ${n(l.p50)} | ${x(floor && floor.load.p50 / l.p50)} | ${x(sdk && sdk.load.p50 / l.p50)} | ${n(l.p99)} | ${n(l.p999)} | ${l.non2xx} | ${l.errors + l.timeouts} | ${n(o.rssMain / MB, 0)} / ${n(o.rssTree / MB, 0)} | ${n(o.cpuMain)} / ${n(o.cpuTree)} | ${n((o.cpuTree / Math.max(1, l.requests)) * 1e6, 0)} |`,
    );
  }
  return lines;
}

/** `--setups=floor,switchyard builtin`: only the setups named (all when the flag is absent). */
function chosenSetups(): Setup[] {
  const flag = process.argv.find((a) => a.startsWith('--setups='));
  if (!flag) return SETUPS;
  const names = flag
    .slice('--setups='.length)
    .split(',')
    .map((n) => n.trim());
  const unknown = names.filter((n) => !SETUPS.some((s) => s.name === n));
  if (unknown.length)
    throw new Error(
      `e2e: unknown setup(s) ${unknown.join(', ')}; known: ${SETUPS.map((s) => s.name).join(', ')}`,
    );
  return SETUPS.filter((s) => names.includes(s.name));
}

const suite: BenchSuite = {
  name: 'e2e',
  description:
    'end-to-end load over Streamable HTTP: Switchyard vs the SDK server, supergateway and a bare floor',
  async run(ctx) {
    const outcomes: Outcome[] = [];
    await withScratch('switchyard-bench-e2e-', async (tmp) => {
      ctx.log(
        `${CONNECTIONS} connections, closed loop, ${ctx.quick ? '0.5 s warm-up + 2 s' : '2 s warm-up + 10 s'} per setup; ${navigator.hardwareConcurrency} CPUs shared by server and load generator; load average before ${loadavg()[0]!.toFixed(2)}`,
      );
      const node = nodePath();
      const nodeVersion = Bun.spawnSync([node, '--version']).stdout.toString().trim();
      ctx.log(
        `servers on bun ${Bun.version} (${bunPath()}); autocannon and supergateway on node ${nodeVersion} (${node})`,
      );
      // A hard cap on the whole suite: a setup that would not fit in what is left is skipped (an error).
      const budgetMs = ctx.quick ? 80_000 : 230_000;
      const perSetupMs = (ctx.quick ? 2.5 : 12) * 1000 + 8_000;
      const started = performance.now();
      for (const setup of chosenSetups()) {
        const t0 = performance.now();
        if (t0 - started + perSetupMs > budgetMs) {
          outcomes.push({
            setup: setup.name,
            error: `skipped: the suite's ${budgetMs / 1000} s budget is spent`,
          });
          ctx.log(`- ${setup.name}: skipped (time budget)`);
          continue;
        }
        try {
          const m = await measure(setup, tmp, ctx);
          outcomes.push(m);
          ctx.log(
            `- ${setup.name}: ${Math.round(m.load.reqPerSec)} req/s, p50 ${m.load.p50.toFixed(2)} ms (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
          );
        } catch (e) {
          const error = e instanceof Error ? e.message : String(e);
          outcomes.push({ setup: setup.name, error });
          ctx.log(`- ${setup.name}: ERROR ${error}`);
        }
      }
    });
    ctx.log(
      `load average after ${loadavg()[0]!.toFixed(2)} (other work on the machine skews every figure)\n`,
    );
    for (const line of table(outcomes)) ctx.log(line);
    ctx.log(
      '\nRatios: > 1 is better (req/s: setup ÷ baseline; p50: baseline ÷ setup). Latency from every 2xx answer; CPU over the measured pass; peak RSS is VmHWM (with backends: the sum of each process peak).',
    );
    const measured = figures(outcomes.filter((o): o is Measured => 'load' in o));
    const cpuRatio = measured.find((f) => f.name === 'cpu-stdio ×2 ÷ ×1 throughput');
    if (cpuRatio)
      ctx.log(
        `CPU-bound backend (about 2 ms of CPU per call): 2 replicas ÷ 1 = ${cpuRatio.value.toFixed(2)}× the throughput (gateway, backends and load generator share ${navigator.hardwareConcurrency} CPUs).`,
      );
    const failed = outcomes.filter((o) => !('load' in o));
    if (failed.length) {
      console.error(`e2e: ${failed.length} setup(s) failed: ${failed.map((f) => f.setup).join(', ')}`);
      process.exitCode = 1;
    }
    return measured;
  },
};

export default suite;
