/**
 * idle: the resident memory of Switchyard's gateway on its embedded default (`serve --port 0`, no
 * config: the builtin module on worker threads) against the floor (a bare `Bun.serve`), each idle.
 *
 * Each server is started alone, waited for (it answers HTTP), left to settle, and its `VmRSS` read
 * (with the processes below it, should it have any); then it serves a few `tools/call echo` (through
 * a front session where it keeps them), is left to settle again and read again. Figures: each
 * server's RSS idle after start and idle after calls, and the gateway's difference to the floor and
 * ratio (floor ÷ gateway, > 1 is better); the target is a gateway within 60 MB of the floor.
 */
import { baseHeaders, callTool, openSession, waitForHttp } from '../e2e/mcp-http.ts';
import { currentRss, descendants, stop, withScratch } from '../e2e/process.ts';
import { SETUPS, type Setup } from '../e2e/setups.ts';
import type { BenchSuite, Figure, SuiteContext } from '../harness.ts';

const MB = 1024 * 1024;
const CALLS = 50;
/** The target: the gateway's idle RSS at most this much above the floor's. */
const TARGET_MB = 60;
const SERVERS = ['floor', 'switchyard builtin'] as const;

interface Reading {
  /** VmRSS of the server and every process below it, bytes, idle after start. */
  idle: number;
  /** The same, idle after `CALLS` calls. */
  afterCalls: number;
}

/** VmRSS of `pid` and the processes below it, bytes. */
const treeRss = (pid: number): number =>
  descendants(pid).reduce((sum, p) => sum + currentRss(p), currentRss(pid));

async function read(setup: Setup, tmp: string, settleMs: number): Promise<Reading> {
  const { child, url } = await setup.start(tmp);
  try {
    await waitForHttp(url, 20_000, () => child.proc.exitCode === null);
    await Bun.sleep(settleMs);
    const idle = treeRss(child.pid);
    const headers = baseHeaders();
    if (setup.session) headers['mcp-session-id'] = await openSession(url);
    for (let i = 0; i < CALLS; i++) {
      const text = `idle-${i}`;
      const result = await callTool(url, headers, setup.tool, { text }, i + 1);
      if (result.isError || result.content?.[0]?.text !== text)
        throw new Error(`${setup.name}: wrong answer ${JSON.stringify(result).slice(0, 200)}`);
    }
    await Bun.sleep(settleMs);
    const afterCalls = treeRss(child.pid);
    if (child.proc.exitCode !== null) throw new Error(`${setup.name} exited; stderr: ${child.stderrTail()}`);
    return { idle, afterCalls };
  } finally {
    await stop(child, 5000, descendants(child.pid));
  }
}

const suite: BenchSuite = {
  name: 'idle',
  description: "idle RSS of the gateway's embedded default against the bare Bun.serve floor",
  async run(ctx: SuiteContext) {
    const settleMs = ctx.dry ? 500 : 2000;
    const readings: Partial<Record<(typeof SERVERS)[number], Reading>> = {};
    await withScratch('switchyard-bench-idle-', async (tmp) => {
      for (const name of SERVERS) {
        const setup = SETUPS.find((s) => s.name === name)!;
        readings[name] = await read(setup, tmp, settleMs);
        ctx.log(
          `- ${name}: ${(readings[name]!.idle / MB).toFixed(1)} MB idle after start, ${(readings[name]!.afterCalls / MB).toFixed(1)} MB idle after ${CALLS} calls`,
        );
      }
    });
    const floor = readings.floor!;
    const gateway = readings['switchyard builtin']!;
    const figures: Figure[] = [];
    for (const [phase, key] of [
      ['idle RSS', 'idle'],
      ['RSS after calls', 'afterCalls'],
    ] as const) {
      const diff = (gateway[key] - floor[key]) / MB;
      figures.push(
        { name: `floor ${phase}`, value: floor[key] / MB, unit: 'MB' },
        {
          name: `switchyard builtin ${phase}`,
          value: gateway[key] / MB,
          unit: 'MB',
          baseline: 'floor',
          ratio: floor[key] / gateway[key],
        },
        { name: `switchyard builtin − floor ${phase}`, value: diff, unit: 'MB' },
      );
    }
    ctx.log('\n| server | idle after start MB | idle after calls MB |\n| --- | ---: | ---: |');
    for (const name of SERVERS) {
      const r = readings[name]!;
      ctx.log(`| ${name} | ${(r.idle / MB).toFixed(1)} | ${(r.afterCalls / MB).toFixed(1)} |`);
    }
    const worst = Math.max(gateway.idle - floor.idle, gateway.afterCalls - floor.afterCalls) / MB;
    ctx.log(
      `\nVmRSS (server + processes below it) read ${settleMs / 1000} s after it answered, and ${settleMs / 1000} s after ${CALLS} sequential calls. Gateway − floor: at most ${worst.toFixed(1)} MB (target ≤ ${TARGET_MB} MB: ${worst <= TARGET_MB ? 'met' : 'not met'}).`,
    );
    return figures;
  },
};

export default suite;
