/**
 * cluster: what session ownership among nodes costs (issue #20, `switchyard.cluster`). Two gateway
 * nodes on one real redis-server (started here), the embedded default's backend (builtin echo on
 * worker threads, hot). 64 2025 sessions are opened on node A (A owns them); then closed-loop passes
 * of `tools/call builtin__echo` on those sessions, 64 in flight, alternately sent to A itself (the
 * baseline: a sticky balancer's path) and to B, which forwards each request to A and streams the
 * answer back (a balancer without stickiness), the best pass of each. Then one caller at a time
 * (c1), the same two ways, for the latency a forward adds (p50 and p99 of each, their ratio).
 * Figures: forwarded ÷ direct calls/s (> 1 would be faster forwarded), direct ÷ forwarded p50.
 * Every answer is checked (`echoInSession`); failures are counted.
 *
 * Load comes from this bench process (`fetch`), on the same cores as both nodes and Redis: the
 * forwarded path runs two gateways per call, so on 2 cores its ratio includes that CPU.
 */
import { join } from 'node:path';
import { startRedis } from '../../../../tooling/testing/redis-server.ts';
import { limited } from '../e2e/limited.ts';
import { echoInSession, openSession, waitForHttp } from '../e2e/mcp-http.ts';
import { descendants, stop, withScratch } from '../e2e/process.ts';
import { type Started, startSwitchyard } from '../e2e/setups.ts';
import type { BenchSuite, Figure, SuiteContext } from '../harness.ts';

const CONCURRENCY = 64;
const TOOL = 'builtin__echo';
const BUILTIN_MODULE = join(import.meta.dir, '..', '..', '..', 'mcp-server', 'src', 'builtin', 'tools.ts');
const SECRET = 'bench-cluster-secret-0123456789abcdefghij';
const STOP_GRACE_MS = 15_000;

async function startNode(tmp: string, name: string, redisUrl: string): Promise<Started> {
  const started = await startSwitchyard(`switchyard node ${name}`, `node-${name}`, tmp, {
    mcpServers: { builtin: { module: BUILTIN_MODULE, tier: 'hot' } },
    switchyard: {
      journal: { path: join(tmp, `node-${name}.db`), redis: { url: redisUrl, keyPrefix: 'bench-cluster:' } },
      cluster: { secret: SECRET, nodeId: `node-${name}` },
    },
  });
  await waitForHttp(started.url, 20_000, () => started.child.proc.exitCode === null);
  return started;
}

/** A closed-loop pass of `ms` against `url`, caller w on sessions w, w + 64, …; calls/s and failures. */
async function pass(url: string, sessions: string[], ms: number): Promise<{ rate: number; failed: number }> {
  const t0 = performance.now();
  const deadline = t0 + ms;
  let done = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let k = 0; performance.now() < deadline; k++) {
        try {
          await echoInSession(url, sessions[(w + k * CONCURRENCY) % sessions.length]!, TOOL, k);
          done++;
        } catch {
          failed++;
        }
      }
    }),
  );
  return { rate: done / ((performance.now() - t0) / 1000), failed };
}

/** `n` calls one at a time on one session; their latencies in ms, sorted. */
async function sequential(url: string, session: string, n: number, ms: number): Promise<number[]> {
  const deadline = performance.now() + ms;
  const out: number[] = [];
  for (let i = 0; i < n && performance.now() < deadline; i++) {
    const t0 = performance.now();
    await echoInSession(url, session, TOOL, i);
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
}

const at = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;

async function measure(ctx: SuiteContext, tmp: string) {
  const passes = ctx.dry ? 1 : 3;
  const passMs = ctx.dry ? 1_000 : ctx.quick ? 2_000 : 6_000;
  const c1Calls = ctx.dry ? 50 : ctx.quick ? 500 : 2_000;
  const redis = await startRedis();
  try {
    const a = await startNode(tmp, 'a', redis.url);
    try {
      const b = await startNode(tmp, 'b', redis.url);
      try {
        const sessions: string[] = [];
        const opened = await limited(CONCURRENCY, 16, performance.now() + 30_000, async () => {
          sessions.push(await openSession(a.url));
        });
        if (sessions.length < CONCURRENCY)
          throw new Error(`opened ${sessions.length}: ${String(opened.firstError)}`);
        // Unmeasured warm-up of both paths (JIT, connections between the nodes).
        await pass(a.url, sessions, 1_000);
        await pass(b.url, sessions, 1_000);
        const direct: number[] = [];
        const forwarded: number[] = [];
        let failures = 0;
        for (let p = 0; p < passes; p++) {
          const order = p % 2 === 0 ? (['direct', 'forwarded'] as const) : (['forwarded', 'direct'] as const);
          for (const way of order) {
            const r = await pass(way === 'direct' ? a.url : b.url, sessions, passMs);
            (way === 'direct' ? direct : forwarded).push(r.rate);
            failures += r.failed;
          }
        }
        const c1Direct = await sequential(a.url, sessions[0]!, c1Calls, 30_000);
        const c1Forwarded = await sequential(b.url, sessions[0]!, c1Calls, 30_000);
        for (const [name, node] of [
          ['A', a],
          ['B', b],
        ] as const) {
          if (node.child.proc.exitCode !== null)
            throw new Error(`node ${name} exited: ${node.child.stderrTail()}`);
        }
        return { direct, forwarded, failures, c1Direct, c1Forwarded };
      } finally {
        await stop(b.child, STOP_GRACE_MS, descendants(b.child.pid));
      }
    } finally {
      await stop(a.child, STOP_GRACE_MS, descendants(a.child.pid));
    }
  } finally {
    await redis.stop();
  }
}

const suite: BenchSuite = {
  name: 'cluster',
  description:
    'session ownership among two nodes on one Redis: calls on sessions owned by node A sent to A (direct) against sent to B, which forwards them to A (calls/s at 64 in flight, p50/p99 one at a time)',
  async run(ctx) {
    const r = await withScratch('switchyard-bench-cluster-', (tmp) => measure(ctx, tmp));
    const best = (xs: number[]) => Math.max(...xs);
    const direct = best(r.direct);
    const forwarded = best(r.forwarded);
    const p50d = at(r.c1Direct, 0.5);
    const p50f = at(r.c1Forwarded, 0.5);
    const p99d = at(r.c1Direct, 0.99);
    const p99f = at(r.c1Forwarded, 0.99);
    ctx.log(
      `\n| path | calls/s (best of ${r.direct.length}, ${CONCURRENCY} in flight) | passes | c1 p50 ms | c1 p99 ms |\n| --- | ---: | --- | ---: | ---: |`,
    );
    ctx.log(
      `| direct (A owns) | ${Math.round(direct)} | ${r.direct.map(Math.round).join(', ')} | ${p50d.toFixed(2)} | ${p99d.toFixed(2)} |`,
    );
    ctx.log(
      `| forwarded (B → A) | ${Math.round(forwarded)} | ${r.forwarded.map(Math.round).join(', ')} | ${p50f.toFixed(2)} | ${p99f.toFixed(2)} |`,
    );
    ctx.log(`failures: ${r.failures}`);
    const figures: Figure[] = [
      {
        name: 'forwarded calls (B → A)',
        value: forwarded,
        unit: 'calls/s',
        baseline: 'the same calls sent to the owner',
        ratio: forwarded / direct,
      },
      { name: 'direct calls (A owns)', value: direct, unit: 'calls/s' },
      {
        name: 'c1 p50 forwarded',
        value: p50f,
        unit: 'ms',
        baseline: 'c1 p50 direct',
        ratio: p50d / p50f,
        spread: p99f - p50f,
      },
      { name: 'c1 p50 direct', value: p50d, unit: 'ms', spread: p99d - p50d },
      { name: 'failures', value: r.failures, unit: 'calls' },
    ];
    return figures;
  },
};

export default suite;
