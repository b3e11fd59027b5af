/**
 * e2e: end-to-end load on MCP servers over Streamable HTTP — Switchyard (builtin module backend;
 * stdio fixture with 1 and 2 replicas; a CPU-bound stdio fixture with 1 and 2 replicas, loaded by
 * 32 sessionless 2026-07-28 clients, one affinity key per connection) against the peers a user
 * would pick instead (the official SDK v1 server, supergateway in front of the same stdio fixture)
 * and a floor (a bare `Bun.serve` that parses the JSON-RPC body and answers).
 *
 * Each setup runs alone, as its own process on 127.0.0.1, loaded closed loop with 64 connections,
 * `tools/call echo {text:"hello"}` with a fresh JSON-RPC id per call (ids must not repeat within a
 * session), after a warm-up: 10 s per setup (`--quick`: 2 s). The generator is `wrk` (native, one
 * thread, wrk.ts) when it is on PATH, else autocannon from its own `node` process (driver.mjs), and
 * the output says which; every pass reports the generator's own CPU and flags a generator that used
 * ≥ 90 % of a core (it, not the server, would be the limit). 2025 setups share one front session
 * opened beforehand; 2026-07-28 setups are sessionless (`clients`: one affinity key per request in
 * turn). One call's answer is checked before the load.
 *
 * Baselines besides the floor and the SDK server: the **backend pipe ceiling** of each stdio server
 * behind a measured setup (pipe-driver.ts: 64 calls in flight straight over one process's
 * stdin/stdout, 10 s), and stdio setups are also given as a ratio to min(floor, that ceiling), the
 * most a gateway in front of that backend could do here. The `c1` setups (floor, builtin, stdio ×1)
 * also get a one-connection pass (sequential calls, 5 s; `--quick` 1 s): the c1 latency row. The
 * suite ends with the issue-18 speed targets, each as measured ratio against its threshold. Figures:
 * 2xx answers per second, latency p50/p99/p99.9, non-2xx and errors, the server's peak RSS and CPU
 * time (with the processes below it: Switchyard's and supergateway's stdio backends), each ratio
 * against the floor and the SDK server oriented so that > 1 is better; and `cpu-stdio ×2 ÷ ×1`, the
 * throughput of two replicas of the CPU-bound backend over one.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { BenchSuite, Figure, SuiteContext } from '../harness.ts';
import { cpuBetween, type ThreadCpu, threadCpu } from '../telemetry/threads.ts';
import { coreShare, type GeneratorUsage } from './generator-usage.ts';
import { type LoadOptions, type LoadResult, runAutocannon } from './load.ts';
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
import { descendants, spawnChild, stop, type Usage, usage, withScratch } from './process.ts';
import { profileReport, profiling } from './profile.ts';
import { type Backend, bunPath, nodePath, SETUPS, type Setup } from './setups.ts';
import { autocannonForced, runWrk, wrkPath } from './wrk.ts';

const CONNECTIONS = 64;
/** Calls kept in flight on a backend's own pipe (the pipe ceiling), as many as the HTTP connections. */
const PIPE_INFLIGHT = 64;
/** A generator at this share of a core (per thread) may be the limit: flagged in the output. */
const GENERATOR_LIMIT = 0.9;

/** One closed-loop pass: its figures and what the generator itself used. */
interface Pass {
  load: LoadResult;
  generator: GeneratorUsage;
}

/** A closed-loop pass with wrk when installed, else with autocannon (the output says which). */
function closedLoop(name: string, opts: LoadOptions, tmp: string, onWarm?: () => void): Promise<Pass> {
  return wrkPath() ? runWrk(name, opts, tmp, onWarm) : runAutocannon(name, opts, onWarm);
}

const generatorName = (): string => (wrkPath() ? 'wrk' : 'autocannon');

const flagged = (g: GeneratorUsage): boolean => coreShare(g) >= GENERATOR_LIMIT;
const pctCore = (g: GeneratorUsage): string => `${Math.round(coreShare(g) * 100)} %`;

interface Measured {
  setup: string;
  backend?: string;
  load: LoadResult;
  generator: GeneratorUsage;
  /** The one-connection pass (`c1` setups). */
  c1?: Pass;
  /** CPU seconds over the measured pass: the server alone, and with the processes below it. */
  cpuMain: number;
  cpuTree: number;
  /**
   * The server's CPU seconds over the measured pass by thread: its main thread (the event loop),
   * JavaScriptCore's compiler threads, and the others (module worker threads, the journal writer,
   * GC helpers). Where the CPU of a call goes, which a sampling profile of the main thread hides.
   */
  threads?: ThreadCpu;
  rssMain: number;
  rssTree: number;
}

type Outcome = Measured | { setup: string; error: string; skipped?: true };

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
    const modern = setup.clients !== undefined || setup.modern === true;
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
    let threadsBefore: ThreadCpu | undefined;
    const opts: LoadOptions = {
      url,
      body: body('[<id>]'),
      headers,
      connections: CONNECTIONS,
      warmupSeconds,
      durationSeconds,
      ...(setup.clients !== undefined && {
        headersPerConnection: Array.from({ length: setup.clients }, (_, k) => ({
          [AFFINITY_HEADER]: `client-${k}`,
        })),
      }),
    };
    const { load, generator } = await closedLoop(setup.name, opts, tmp, () => {
      before = usage(child.pid);
      threadsBefore = threadCpu(child.pid);
    });
    const after = usage(child.pid);
    const threadsAfter = threadCpu(child.pid);
    const threads = threadsBefore && threadsAfter && cpuBetween(threadsBefore, threadsAfter);
    if (threads && load.requests > 0) {
      const us = (seconds: number) => ((seconds / load.requests) * 1e6).toFixed(0);
      ctx.log(
        `  ${setup.name}: CPU µs per call by thread: main ${us(threads.main)}, compiler ${us(threads.compiler)}, other ${us(threads.other)}`,
      );
    }
    if (!alive()) throw new Error(`${setup.name} exited during the load; stderr: ${child.stderrTail()}`);
    if (load.ok === 0) {
      throw new Error(
        `no 2xx answer under load (non-2xx ${load.non2xx}, status codes ${JSON.stringify(load.statusCodes)}, errors ${load.errors})`,
      );
    }
    const cpu = { cpuMain: after.cpuMain - before!.cpuMain, cpuTree: after.cpuTree - before!.cpuTree };
    // One connection, sequential calls: the latency of one call with nothing else in flight.
    const c1 = setup.c1
      ? await closedLoop(
          `${setup.name} c1`,
          {
            ...opts,
            connections: 1,
            warmupSeconds: ctx.quick ? 0 : 1,
            durationSeconds: ctx.quick ? 1 : 5,
          },
          tmp,
        )
      : undefined;
    if (c1 && c1.load.ok === 0) throw new Error('no 2xx answer on one connection');
    return {
      setup: setup.name,
      ...(setup.backend && { backend: setup.backend.label }),
      load,
      generator,
      ...(c1 && { c1 }),
      ...cpu,
      ...(threads && { threads }),
      rssMain: after.rssMain,
      rssTree: after.rssTree,
    };
  } finally {
    // What runs below it now (its stdio backends) must be gone once it has stopped.
    const left = await stop(child, 5000, descendants(child.pid));
    if (left.length)
      ctx.log(`  (${setup.name} left ${left.length} process(es) below it running after it stopped: killed)`);
    if (setup.name.startsWith('switchyard') && profiling())
      // Logged as the setup stops, before its result line: the line names the setup it belongs to.
      ctx.log(`  CPU profile of the gateway of ${setup.name}: ${profileReport()}`);
  }
}

/** A backend's own pipe ceiling: 64 calls in flight straight over one process's stdin/stdout. */
interface PipeCeiling {
  backend: string;
  callsPerSec: number;
  p50: number;
  p99: number;
  p999: number;
  /** The driver's own CPU (the generator of this baseline) and the backend's, over the measured window. */
  generator: GeneratorUsage;
  serverCpu: number;
}

const PIPE_DRIVER = join(import.meta.dir, 'pipe-driver.ts');

async function pipeCeiling(backend: Backend, ctx: SuiteContext): Promise<PipeCeiling> {
  const [command, ...args] = backend.command;
  const warmupSeconds = ctx.quick ? 0.5 : 2;
  const durationSeconds = ctx.quick ? 2 : 10;
  const driver = spawnChild(`pipe ceiling (${backend.label})`, [
    bunPath(),
    PIPE_DRIVER,
    JSON.stringify({
      command,
      args,
      tool: backend.tool,
      argument: backend.argument,
      answer: backend.answer,
      inflight: PIPE_INFLIGHT,
      warmupSeconds,
      durationSeconds,
    }),
  ]);
  const limitMs = (warmupSeconds + durationSeconds + 30) * 1000;
  try {
    const warm = await driver.nextLine(limitMs);
    if (warm !== 'warm') throw new Error(`pipe driver: unexpected line ${warm}`);
    const r = JSON.parse(await driver.nextLine(limitMs)) as {
      callsPerSec: number;
      seconds: number;
      p50: number;
      p99: number;
      p999: number;
      driverCpu: number;
      serverCpu: number;
    };
    if (!(r.callsPerSec > 0))
      throw new Error(`no call answered over the pipe; stderr: ${driver.stderrTail()}`);
    return {
      backend: backend.label,
      callsPerSec: r.callsPerSec,
      p50: r.p50,
      p99: r.p99,
      p999: r.p999,
      generator: { cpuSeconds: r.driverCpu, wallSeconds: r.seconds, threads: 1 },
      serverCpu: r.serverCpu,
    };
  } finally {
    await stop(driver, 3000, descendants(driver.pid));
  }
}

const pipeName = (backend: string): string => `backend pipe ceiling (${backend})`;

const MB = 1024 * 1024;

/** min(floor, the setup's backend pipe ceiling) in req/s, where both were measured. */
function ceilingOf(
  r: Measured,
  floor: Measured | undefined,
  pipes: Map<string, PipeCeiling>,
): number | undefined {
  const pipe = r.backend === undefined ? undefined : pipes.get(r.backend);
  if (!floor || !pipe) return undefined;
  return Math.min(floor.load.reqPerSec, pipe.callsPerSec);
}

interface Target {
  what: string;
  value: number | undefined;
  /** `min`: value ≥ threshold; `max`: value ≤ threshold. */
  bound: 'min' | 'max';
  threshold: number;
}

/** The speed targets of issue 18, as measured in this run (undefined where a setup is missing). */
function targets(rows: Measured[], pipes: Map<string, PipeCeiling>): Target[] {
  const get = (name: string) => rows.find((r) => r.setup === name);
  const floor = get('floor');
  const rate = (a?: Measured, b?: Measured) => (a && b ? a.load.reqPerSec / b.load.reqPerSec : undefined);
  const p99 = (a?: Measured, b?: Measured) => (a && b ? b.load.p99 / a.load.p99 : undefined);
  const builtin = get('switchyard builtin');
  const c1p50 = builtin?.c1 && floor?.c1 ? builtin.c1.load.p50 / floor.c1.load.p50 : undefined;
  const toCeiling = (name: string) => {
    const r = get(name);
    const c = r && ceilingOf(r, floor, pipes);
    return r && c ? r.load.reqPerSec / c : undefined;
  };
  return [
    {
      what: 'module path (switchyard builtin) req/s ÷ floor, c64',
      value: rate(builtin, floor),
      bound: 'min',
      threshold: 0.6,
    },
    {
      what: 'module path (switchyard builtin) p50 ÷ floor p50, c1',
      value: c1p50,
      bound: 'max',
      threshold: 2,
    },
    {
      what: 'stdio path (switchyard everything ×1) req/s ÷ min(floor, pipe ceiling)',
      value: toCeiling('switchyard everything ×1'),
      bound: 'min',
      threshold: 0.5,
    },
    {
      what: 'stdio path (switchyard stdio ×1, fixture) req/s ÷ min(floor, pipe ceiling)',
      value: toCeiling('switchyard stdio ×1'),
      bound: 'min',
      threshold: 0.5,
    },
    {
      what: 'switchyard everything ×1 ÷ supergateway everything, req/s',
      value: rate(get('switchyard everything ×1'), get('supergateway everything')),
      bound: 'min',
      threshold: 10,
    },
    {
      what: 'supergateway everything p99 ÷ switchyard everything ×1 p99',
      value: p99(get('switchyard everything ×1'), get('supergateway everything')),
      bound: 'min',
      threshold: 10,
    },
    {
      what: 'switchyard stdio ×1 ÷ supergateway (fixture), req/s',
      value: rate(get('switchyard stdio ×1'), get('supergateway')),
      bound: 'min',
      threshold: 10,
    },
    {
      what: 'supergateway p99 ÷ switchyard stdio ×1 p99 (fixture)',
      value: p99(get('switchyard stdio ×1'), get('supergateway')),
      bound: 'min',
      threshold: 10,
    },
    {
      what: '2026 ÷ 2025 path, builtin echo, req/s',
      value: rate(get('switchyard builtin 2026'), builtin),
      bound: 'min',
      threshold: 1,
    },
    {
      what: '2026 ÷ 2025 path, server-everything, req/s',
      value: rate(get('switchyard everything 2026 ×1'), get('switchyard everything ×1')),
      bound: 'min',
      threshold: 1,
    },
  ];
}

function figures(rows: Measured[], pipes: Map<string, PipeCeiling>): Figure[] {
  const floor = rows.find((r) => r.setup === 'floor');
  const sdk = rows.find((r) => r.setup === 'sdk');
  const out: Figure[] = [];
  for (const p of pipes.values()) {
    const name = pipeName(p.backend);
    out.push(
      { name: `${name} throughput`, value: p.callsPerSec, unit: 'req/s' },
      { name: `${name} latency p50`, value: p.p50, unit: 'ms' },
      { name: `${name} latency p99`, value: p.p99, unit: 'ms' },
      { name: `${name} driver CPU`, value: coreShare(p.generator) * 100, unit: '% of a core' },
      { name: `${name} backend CPU time`, value: p.serverCpu, unit: 's' },
    );
  }
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
    const ceiling = ceilingOf(r, floor, pipes);
    if (ceiling) tputRatios['min(floor, pipe ceiling)'] = l.reqPerSec / ceiling;
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
      { name: `${r.setup} generator CPU`, value: coreShare(r.generator) * 100, unit: '% of a core' },
    );
    if (r.threads) {
      const perCall = (seconds: number) => (seconds / Math.max(1, l.requests)) * 1e6;
      out.push(
        { name: `${r.setup} CPU per call, main thread`, value: perCall(r.threads.main), unit: 'µs' },
        { name: `${r.setup} CPU per call, compiler threads`, value: perCall(r.threads.compiler), unit: 'µs' },
        { name: `${r.setup} CPU per call, other threads`, value: perCall(r.threads.other), unit: 'µs' },
      );
    }
    if (ceiling) {
      const ratio = l.reqPerSec / ceiling;
      out.push({
        name: `${r.setup} ÷ min(floor, pipe ceiling) throughput`,
        value: ratio,
        unit: 'ratio',
        baseline: `min(floor, ${pipeName(r.backend!)})`,
        ratio,
      });
    }
    if (r.c1) {
      const c1Ratio = floor?.c1 ? floor.c1.load.p50 / r.c1.load.p50 : undefined;
      out.push(
        { name: `${r.setup} c1 rate`, value: r.c1.load.reqPerSec, unit: 'req/s' },
        {
          name: `${r.setup} c1 latency p50`,
          value: r.c1.load.p50,
          unit: 'ms',
          ...(c1Ratio !== undefined && { baseline: 'floor c1', ratio: c1Ratio }),
        },
        { name: `${r.setup} c1 latency p99`, value: r.c1.load.p99, unit: 'ms' },
      );
    }
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
  // The 2026-07-28 sessionless path against the 2025 session path on the same backend.
  for (const [modern, legacy] of [
    ['switchyard builtin 2026', 'switchyard builtin'],
    ['switchyard everything 2026 ×1', 'switchyard everything ×1'],
  ] as const) {
    const a = rows.find((r) => r.setup === modern);
    const b = rows.find((r) => r.setup === legacy);
    if (!a || !b) continue;
    const rate = a.load.reqPerSec / b.load.reqPerSec;
    out.push({
      name: `${modern} ÷ 2025 throughput`,
      value: rate,
      unit: 'ratio',
      baseline: legacy,
      ratio: rate,
    });
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
const int = (v: number): string => Math.round(v).toLocaleString('en-US');

function table(outcomes: Outcome[], pipes: Map<string, PipeCeiling>): string[] {
  const rows = outcomes.filter((o): o is Measured => 'load' in o);
  const floor = rows.find((r) => r.setup === 'floor');
  const sdk = rows.find((r) => r.setup === 'sdk');
  const lines = [
    '| setup | req/s | req/s ÷ floor | req/s ÷ sdk | p50 ms | p50 floor÷setup | p50 sdk÷setup | p99 ms | p99.9 ms | non-2xx | errors | peak RSS MB (server / with backends) | CPU s (server / with backends) | CPU µs per call | req/s ÷ min(floor, pipe ceiling) | generator CPU (of a core) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const o of outcomes) {
    if (!('load' in o)) {
      lines.push(
        `| ${o.setup} | error: ${o.error.replaceAll('|', '\\|').replaceAll('\n', ' ')} |||||||||||||||`,
      );
      continue;
    }
    const l = o.load;
    const ceiling = ceilingOf(o, floor, pipes);
    lines.push(
      `| ${o.setup} | ${int(l.reqPerSec)} | ${x(floor && l.reqPerSec / floor.load.reqPerSec)} | ${x(sdk && l.reqPerSec / sdk.load.reqPerSec)} | ${n(l.p50)} | ${x(floor && floor.load.p50 / l.p50)} | ${x(sdk && sdk.load.p50 / l.p50)} | ${n(l.p99)} | ${n(l.p999)} | ${l.non2xx} | ${l.errors + l.timeouts} | ${n(o.rssMain / MB, 0)} / ${n(o.rssTree / MB, 0)} | ${n(o.cpuMain)} / ${n(o.cpuTree)} | ${n((o.cpuTree / Math.max(1, l.requests)) * 1e6, 0)} | ${x(ceiling && l.reqPerSec / ceiling)} | ${pctCore(o.generator)}${flagged(o.generator) ? ' ⚠' : ''} |`,
    );
  }
  return lines;
}

function pipeTable(pipes: Map<string, PipeCeiling>, floor: Measured | undefined): string[] {
  const lines = [
    `| baseline | calls/s | ÷ floor req/s | p50 ms | p99 ms | p99.9 ms | driver CPU (of a core) | backend CPU s |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const p of pipes.values()) {
    lines.push(
      `| ${pipeName(p.backend)} | ${int(p.callsPerSec)} | ${x(floor && p.callsPerSec / floor.load.reqPerSec)} | ${n(p.p50)} | ${n(p.p99)} | ${n(p.p999)} | ${pctCore(p.generator)}${flagged(p.generator) ? ' ⚠' : ''} | ${n(p.serverCpu)} |`,
    );
  }
  return lines;
}

function c1Table(rows: Measured[]): string[] {
  const floor = rows.find((r) => r.setup === 'floor')?.c1;
  const lines = [
    '| setup (c1: one connection, sequential calls) | req/s | p50 ms | p50 ÷ floor p50 | p99 ms | p99 ÷ floor p99 | generator CPU (of a core) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    if (!r.c1) continue;
    const l = r.c1.load;
    lines.push(
      `| ${r.setup} c1 | ${int(l.reqPerSec)} | ${n(l.p50, 3)} | ${x(floor && l.p50 / floor.load.p50)} | ${n(l.p99, 3)} | ${x(floor && l.p99 / floor.load.p99)} | ${pctCore(r.c1.generator)}${flagged(r.c1.generator) ? ' ⚠' : ''} |`,
    );
  }
  return lines;
}

function targetTable(list: Target[]): string[] {
  const lines = ['| target (issue 18) | measured | wanted | met |', '| --- | ---: | ---: | --- |'];
  for (const t of list) {
    const met =
      t.value === undefined
        ? 'not measured'
        : (t.bound === 'min' ? t.value >= t.threshold : t.value <= t.threshold)
          ? 'yes'
          : 'no';
    lines.push(`| ${t.what} | ${x(t.value)} | ${t.bound === 'min' ? '≥' : '≤'} ${t.threshold}× | ${met} |`);
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
    'end-to-end load over Streamable HTTP: Switchyard vs the SDK server, supergateway, a bare floor and the backends’ own pipe ceilings',
  async run(ctx) {
    const outcomes: Outcome[] = [];
    const pipes = new Map<string, PipeCeiling>();
    const pipeErrors: string[] = [];
    await withScratch('switchyard-bench-e2e-', async (tmp) => {
      const node = nodePath();
      const nodeVersion = Bun.spawnSync([node, '--version']).stdout.toString().trim();
      const wrk = wrkPath();
      const wrkVersion = wrk
        ? (/wrk [^\s]+/.exec(Bun.spawnSync([wrk, '-v']).stdout.toString())?.[0] ?? 'wrk')
        : undefined;
      ctx.log(
        `${CONNECTIONS} connections, closed loop, ${ctx.quick ? '0.5 s warm-up + 2 s' : '2 s warm-up + 10 s'} per setup; ${navigator.hardwareConcurrency} CPUs shared by server and load generator; load average before ${loadavg()[0]!.toFixed(2)}`,
      );
      ctx.log(
        wrk
          ? `load generator: ${wrkVersion} (${wrk}), one thread, a Lua script per request shape; 2025 setups share one session opened beforehand`
          : `load generator: autocannon on node (${autocannonForced() ? 'BENCH_GENERATOR=autocannon' : 'wrk is not installed: `apt-get install wrk`'}); it tops out well below a native generator, so ratios against the floor read high`,
      );
      ctx.log(
        `servers on bun ${Bun.version} (${bunPath()}); supergateway${wrk ? '' : ' and autocannon'} on node ${nodeVersion} (${node}); pipe ceilings: ${PIPE_INFLIGHT} calls in flight over a backend's stdin/stdout from a bun driver`,
      );
      // A hard cap on the whole suite: a setup that would not fit in what is left is skipped, and said so.
      const budgetMs = ctx.quick ? 80_000 : 420_000;
      const perSetupMs = (ctx.quick ? 2.5 : 12) * 1000 + 8_000;
      const started = performance.now();
      for (const setup of chosenSetups()) {
        const t0 = performance.now();
        if (t0 - started + perSetupMs > budgetMs) {
          outcomes.push({
            setup: setup.name,
            error: `skipped: the suite's ${budgetMs / 1000} s budget is spent`,
            skipped: true,
          });
          ctx.log(`- ${setup.name}: skipped (time budget)`);
          continue;
        }
        const backend = setup.backend;
        if (backend && !pipes.has(backend.label) && !pipeErrors.includes(backend.label)) {
          try {
            const p = await pipeCeiling(backend, ctx);
            pipes.set(backend.label, p);
            ctx.log(
              `- ${pipeName(backend.label)}: ${Math.round(p.callsPerSec)} calls/s, p50 ${p.p50.toFixed(2)} ms; driver CPU ${pctCore(p.generator)} of a core${flagged(p.generator) ? ' ⚠ the driver may be the limit' : ''} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
            );
          } catch (e) {
            pipeErrors.push(backend.label);
            ctx.log(`- ${pipeName(backend.label)}: ERROR ${e instanceof Error ? e.message : String(e)}`);
          }
        }
        const t1 = performance.now();
        try {
          const m = await measure(setup, tmp, ctx);
          outcomes.push(m);
          ctx.log(
            `- ${setup.name}: ${Math.round(m.load.reqPerSec)} req/s, p50 ${m.load.p50.toFixed(2)} ms${m.c1 ? `; c1 p50 ${m.c1.load.p50.toFixed(3)} ms` : ''}; ${generatorName()} CPU ${pctCore(m.generator)} of a core${flagged(m.generator) ? ' ⚠ the generator may be the limit' : ''} (${((performance.now() - t1) / 1000).toFixed(1)} s)`,
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
    const rows = outcomes.filter((o): o is Measured => 'load' in o);
    for (const line of table(outcomes, pipes)) ctx.log(line);
    ctx.log(
      `\nRatios: > 1 is better (req/s: setup ÷ baseline; p50: baseline ÷ setup). Latency from every 2xx answer (${generatorName()}${wrkPath() ? ': every answer' : ''}); CPU over the measured pass; peak RSS is VmHWM (with backends: the sum of each process peak). min(floor, pipe ceiling): the most a gateway in front of that one backend process could do here (for ×2 setups still one process's ceiling). ⚠: the generator used ≥ ${GENERATOR_LIMIT * 100} % of a core per thread.`,
    );
    const floor = rows.find((r) => r.setup === 'floor');
    if (pipes.size) {
      ctx.log('');
      for (const line of pipeTable(pipes, floor)) ctx.log(line);
    }
    if (rows.some((r) => r.c1)) {
      ctx.log('');
      for (const line of c1Table(rows)) ctx.log(line);
    }
    if (floor) {
      const share = coreShare(floor.generator);
      ctx.log(
        `\nGenerator check: at the floor (${int(floor.load.reqPerSec)} req/s) ${generatorName()} used ${pctCore(floor.generator)} of a core${share >= GENERATOR_LIMIT ? ': it is at its limit, so the floor and every ratio against it are understated; read them with care' : ': it outruns the floor, so the floor is the server’s'}.`,
      );
      const busy = rows.filter((r) => r !== floor && flagged(r.generator)).map((r) => r.setup);
      if (busy.length)
        ctx.log(`Generator at ≥ ${GENERATOR_LIMIT * 100} % of a core also on: ${busy.join(', ')}.`);
    }
    ctx.log('');
    for (const line of targetTable(targets(rows, pipes))) ctx.log(line);
    const measured = figures(rows, pipes);
    const cpuRatio = measured.find((f) => f.name === 'cpu-stdio ×2 ÷ ×1 throughput');
    if (cpuRatio)
      ctx.log(
        `CPU-bound backend (about 2 ms of CPU per call): 2 replicas ÷ 1 = ${cpuRatio.value.toFixed(2)}× the throughput (gateway, backends and load generator share ${navigator.hardwareConcurrency} CPUs).`,
      );
    // A setup skipped for the time budget is named in the output, not a failure.
    const failed = outcomes.filter((o) => !('load' in o) && !('skipped' in o && o.skipped));
    if (failed.length || pipeErrors.length) {
      console.error(
        `e2e: ${failed.length + pipeErrors.length} setup(s) failed: ${[...failed.map((f) => f.setup), ...pipeErrors.map(pipeName)].join(', ')}`,
      );
      process.exitCode = 1;
    }
    return measured;
  },
};

export default suite;
