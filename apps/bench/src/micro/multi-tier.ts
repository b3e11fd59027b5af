/**
 * multi-tier: the time from "a new session needs backend X" to "a ready, MCP-initialized worker",
 * with the real stdio MCP fixture server (tooling/fixtures/mcp, official SDK), for
 *
 * - hot: a per-session backend keeping a ready spare — the new session is handed the spare;
 * - warm: a shared backend whose worker is already running — the session joins it;
 * - cold: a shared backend started for the need — spawn + `initialize` + `notifications/initialized`,
 *   stopped after release.
 *
 * The same again with `@modelcontextprotocol/server-everything` (an `npx`-style server; the
 * devDependency of apps/mcp-server, run as `bun <its dist/index.js> stdio`), figures prefixed
 * `server-everything`.
 *
 * Cold is the baseline measured in the same run; a ratio is cold p50 ÷ the figure (> 1: faster).
 */
import { fileURLToPath } from 'node:url';
import {
  type Isolation,
  type Lease,
  MultiTierPoolManager,
  type StdioBackendSpec,
  type Tier,
} from '@switchyard/multi-tier';
import type { PoolWorker } from '@switchyard/worker-pool';
import { everythingCommand } from '../e2e/setups.ts';
import type { BenchSuite, Figure, SuiteContext } from '../harness.ts';

const server = fileURLToPath(new URL('../../../../tooling/fixtures/mcp/stdio-server.ts', import.meta.url));

async function initialize(w: PoolWorker): Promise<void> {
  await w.request('initialize', {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'switchyard-bench', version: '0.0.0' },
  });
  w.post({ jsonrpc: '2.0', method: 'notifications/initialized' });
}

const backend = (
  tier: Tier,
  isolation: Isolation,
  extra: Partial<StdioBackendSpec> = {},
): StdioBackendSpec => ({
  kind: 'stdio',
  command: process.execPath,
  args: [server],
  tier,
  isolation,
  ready: initialize,
  stopGraceMs: 200,
  killGraceMs: 500,
  ...extra,
});

interface Latencies {
  p50: number;
  p99: number;
  n: number;
}

function summarize(samples: number[]): Latencies {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  return { p50: at(0.5), p99: at(0.99), n: s.length };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const end = performance.now() + 30_000;
  while (!check()) {
    if (performance.now() > end) throw new Error(`multi-tier bench: timed out waiting for ${what}`);
    await Bun.sleep(2);
  }
}

/** One acquire for a new session, timed until the lease is in hand. */
async function timedAcquire(
  m: MultiTierPoolManager,
  name: string,
  session: string,
): Promise<[number, Lease]> {
  const t0 = performance.now();
  const lease = await m.acquire(name, { session });
  return [performance.now() - t0, lease];
}

async function measure(
  ctx: SuiteContext,
  cmd: { command: string; args: string[] },
): Promise<Record<string, Latencies>> {
  const coldN = ctx.dry ? 2 : ctx.quick ? 6 : 20;
  const hotN = ctx.dry ? 2 : ctx.quick ? 10 : 40;
  const warmN = ctx.dry ? 2 : ctx.quick ? 500 : 5000;
  const m = new MultiTierPoolManager({
    backends: {
      hot: backend('hot', 'per-session', { spares: 1, ...cmd }),
      warm: backend('warm', 'shared', cmd),
      cold: backend('cold', 'shared', cmd),
    },
  });
  const hot: number[] = [];
  const warm: number[] = [];
  const cold: number[] = [];
  let session = 0;
  try {
    const report = await m.start();
    if (report.failed.length) throw new Error(`multi-tier bench: ${JSON.stringify(report.failed)}`);
    for (let i = 0; i < coldN; i++) {
      const [ms, lease] = await timedAcquire(m, 'cold', `c${session++}`);
      if (lease.warmHit) throw new Error('multi-tier bench: a cold acquire found a running worker');
      cold.push(ms);
      lease.release(); // stops it
      await until(() => m.stats().backends.cold!.workers.ready === 0, 'the cold worker to stop');
    }
    (await m.acquire('warm')).release(); // the warm worker is running from here
    for (let i = 0; i < warmN; i++) {
      const s = `w${session++}`;
      const [ms, lease] = await timedAcquire(m, 'warm', s);
      warm.push(ms);
      lease.release();
      m.endSession(s);
    }
    for (let i = 0; i < hotN; i++) {
      await until(() => {
        const w = m.stats().backends.hot!.workers;
        return w.spare >= 1 && w.ready >= 1;
      }, 'a ready spare');
      const s = `h${session++}`;
      const [ms, lease] = await timedAcquire(m, 'hot', s);
      if (!lease.warmHit) throw new Error('multi-tier bench: a hot acquire waited for a start');
      hot.push(ms);
      lease.release();
      m.endSession(s); // stops the session's worker; the spare is replenished in the background
    }
  } finally {
    await m.stop();
  }
  if (m.stats().workers !== 0) throw new Error('multi-tier bench: workers left after stop()');
  return { hot: summarize(hot), warm: summarize(warm), cold: summarize(cold) };
}

const suite: BenchSuite = {
  name: 'multi-tier',
  description:
    'new session → ready, initialized worker: hot spare, warm running worker, cold start (MCP fixture, server-everything)',
  async run(ctx) {
    const figures: Figure[] = [];
    const servers: [string, { command: string; args: string[] }][] = [
      ['', { command: process.execPath, args: [server] }],
      ['server-everything ', everythingCommand()],
    ];
    for (const [label, cmd] of servers) {
      const r = await measure(ctx, cmd);
      const base = r.cold!.p50;
      ctx.log(
        `${label || 'fixture '}samples: hot ${r.hot!.n}, warm ${r.warm!.n}, cold ${r.cold!.n}; ` +
          `cold p50 ${base.toFixed(1)} ms = ${(base / r.hot!.p50).toFixed(0)}× hot p50`,
      );
      for (const [tier, what] of [
        ['hot', 'hot (spare, per-session)'],
        ['warm', 'warm (running, shared)'],
        ['cold', 'cold (spawn + initialize)'],
      ] as const) {
        const l = r[tier]!;
        figures.push(
          {
            name: `${label}${what} p50`,
            value: l.p50,
            unit: 'ms',
            baseline: `${label}cold p50`,
            ratio: base / l.p50,
          },
          { name: `${label}${what} p99`, value: l.p99, unit: 'ms', spread: l.p99 - l.p50 },
        );
      }
    }
    return figures;
  },
};

export default suite;
