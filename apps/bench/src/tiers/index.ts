/**
 * tiers: the time from "a new session needs backend X" to its first tool result, through the
 * gateway over Streamable HTTP — `initialize` + `notifications/initialized` + the first
 * `tools/call echo` — for each tier, with the repo's stdio fixture (`fx_*`) and with
 * `@modelcontextprotocol/server-everything` (`ev_*`):
 *
 * - hot: `tier: hot, isolation: per-session`, with `warmup: echo` — the new session is handed the
 *   ready spare, which has already answered one call (a fresh server's first call costs it ~4–5 ms
 *   more than the next: its own cold code paths);
 * - warm: `tier: warm, isolation: shared`, its worker already running — the session joins it;
 * - cold: `tier: cold, isolation: shared` — spawn + MCP initialize for the call, stopped after.
 *
 * Each (server, tier) gets a gateway of its own with that one backend: a gateway's `initialize`
 * reaches every configured backend (a cold one is started for it, a per-session one binds its
 * worker), so backends of other tiers would be timed too. Between sessions the suite waits (not timed) until the
 * gateway's `/metrics` shows what the next sample needs: a spare again (hot), no cold worker left
 * (cold). Every session is ended (`DELETE`) after its sample. Hot is the baseline: ratios are
 * cold ÷ hot and warm ÷ hot (how many times longer; > 1 means the tier costs that much more).
 */
import { baseHeaders, callTool, closeSession, openSession, waitForHttp } from '../e2e/mcp-http.ts';
import { descendants, stop, withScratch } from '../e2e/process.ts';
import { bunPath, everythingCommand, FIXTURE, startSwitchyard } from '../e2e/setups.ts';
import type { BenchSuite, Figure, SuiteContext } from '../harness.ts';
import { median } from '../median.ts';

const TIERS = ['hot', 'warm', 'cold'] as const;
type TierName = (typeof TIERS)[number];

interface Server {
  key: 'fx' | 'ev';
  label: string;
  command: { command: string; args: string[] };
  args(text: string): Record<string, unknown>;
}

const SERVERS = (): Server[] => [
  {
    key: 'fx',
    label: 'stdio fixture',
    command: { command: bunPath(), args: [FIXTURE] },
    args: (text) => ({ text }),
  },
  {
    key: 'ev',
    label: 'server-everything',
    command: everythingCommand(),
    args: (message) => ({ message }),
  },
];

const tierEntry = (t: TierName, s: Server): Record<string, unknown> =>
  t === 'hot'
    ? {
        tier: 'hot',
        isolation: 'per-session',
        replicas: { min: 1, max: 4 },
        warmup: { tool: 'echo', arguments: s.args('warmup') },
      }
    : { tier: t, isolation: 'shared' };

/** `switchyard_workers{backend,state}` from the gateway's Prometheus exposition. */
async function workers(metricsUrl: string, backend: string, state: string): Promise<number> {
  const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) })).text();
  const re = /^switchyard_workers\{([^}]*)\} (\d+)/gm;
  let total = 0;
  for (const m of text.matchAll(re)) {
    const labels = m[1]!;
    if (labels.includes(`backend="${backend}"`) && labels.includes(`state="${state}"`)) total += Number(m[2]);
  }
  return total;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`tiers: timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/** One new session: initialize + notifications/initialized + the first tools/call, timed; then DELETE. */
async function sample(url: string, server: Server, backend: string): Promise<number> {
  const t0 = performance.now();
  const session = await openSession(url);
  const headers = { ...baseHeaders(), 'mcp-session-id': session };
  const result = await callTool(url, headers, `${backend}__echo`, server.args('hello'));
  const ms = performance.now() - t0;
  const text = result.content?.[0]?.text ?? '';
  if (result.isError || !text.includes('hello'))
    throw new Error(`${backend}__echo: wrong answer ${JSON.stringify(result).slice(0, 300)}`);
  await closeSession(url, session);
  return ms;
}

const p90 = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.max(0, Math.ceil(0.9 * xs.length) - 1))]!;

/**
 * A gateway serving `backend` alone (a gateway's `initialize` reaches every configured backend, so
 * tiers are not mixed in one gateway), and `n` timed new sessions against it.
 */
async function measureTier(
  ctx: SuiteContext,
  tmp: string,
  s: Server,
  t: TierName,
  backend: string,
  n: number,
): Promise<number[]> {
  const { child, url } = await startSwitchyard(`switchyard ${backend}`, backend, tmp, {
    mcpServers: { [backend]: { ...s.command, ...tierEntry(t, s) } },
  });
  const times: number[] = [];
  try {
    await waitForHttp(url, 20_000, () => child.proc.exitCode === null);
    const metricsUrl = new URL('/metrics', url).href;
    const count = async (...states: string[]) => {
      let sum = 0;
      for (const state of states) sum += await workers(metricsUrl, backend, state);
      return sum;
    };
    // One session first, not timed: it warms the gateway's own code paths (the first session is
    // several times slower whatever the tier) and, for warm, starts the worker the others join.
    await sample(url, s, backend);
    for (let i = 0; i < n; i++) {
      // hot: a ready spare and nothing starting (a replacement still starting would share the CPUs).
      if (t === 'hot')
        await until(
          `a ready ${backend} spare`,
          async () => (await count('spare')) >= 1 && (await count('starting', 'stopping')) === 0,
        );
      if (t === 'cold')
        await until(
          `the ${backend} worker to stop`,
          async () => (await count('starting', 'ready', 'stopping')) === 0,
        );
      times.push(await sample(url, s, backend));
    }
  } finally {
    const left = await stop(child, 5000, descendants(child.pid));
    if (left.length) ctx.log(`  (${backend}: the gateway left ${left.length} process(es) running: killed)`);
  }
  return times;
}

const suite: BenchSuite = {
  name: 'tiers',
  description:
    'new session → first tool result through the gateway (HTTP): hot spare, warm running worker, cold start',
  async run(ctx) {
    const n = ctx.dry ? 2 : ctx.quick ? 5 : 20;
    const servers = SERVERS();
    const medians: Record<string, Record<TierName, number>> = {};
    const p90s: Record<string, Record<TierName, number>> = {};
    await withScratch('switchyard-bench-tiers-', async (tmp) => {
      for (const s of servers) {
        const times: Record<TierName, number[]> = { hot: [], warm: [], cold: [] };
        for (const t of TIERS) {
          const backend = `${s.key}_${t}`;
          times[t] = await measureTier(ctx, tmp, s, t, backend, n);
        }
        medians[s.key] = { hot: median(times.hot), warm: median(times.warm), cold: median(times.cold) };
        p90s[s.key] = { hot: p90(times.hot), warm: p90(times.warm), cold: p90(times.cold) };
        ctx.log(
          `- ${s.label}: ${n} sessions per tier; median hot ${medians[s.key]!.hot.toFixed(1)} ms, warm ${medians[s.key]!.warm.toFixed(1)} ms, cold ${medians[s.key]!.cold.toFixed(1)} ms`,
        );
      }
    });
    ctx.log(
      '\n| server | hot ms | warm ms | cold ms | warm ÷ hot | cold ÷ hot |\n| --- | ---: | ---: | ---: | ---: | ---: |',
    );
    const figures: Figure[] = [];
    for (const s of servers) {
      const m = medians[s.key]!;
      ctx.log(
        `| ${s.label} | ${m.hot.toFixed(2)} | ${m.warm.toFixed(2)} | ${m.cold.toFixed(2)} | ${(m.warm / m.hot).toFixed(2)}× | ${(m.cold / m.hot).toFixed(2)}× |`,
      );
      for (const t of TIERS) {
        figures.push({
          name: `${s.label} ${t} median`,
          value: m[t],
          unit: 'ms',
          ...(t !== 'hot' && { baseline: `${s.label} hot median`, ratio: m[t] / m.hot }),
          spread: p90s[s.key]![t] - m[t],
        });
      }
    }
    ctx.log(
      '\nTimed: initialize + notifications/initialized + first tools/call echo, one new session each (median; spread = p90 − median). Ratios here are tier ÷ hot: how many times longer than a hot spare.',
    );
    return figures;
  },
};

export default suite;
