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
 * **Cost of cluster mode** (issue #20: ≤ 10 % on the module path with a sticky balancer): one node
 * with `journal.redis` + `cluster` against one plain node (SQLite journal only), each with its own
 * 64 sessions, calls sent to the node that owns them, in interleaved rounds; the figures are the
 * medians of the rounds' ratios of calls/s and of gateway CPU per call (`measureCost`).
 *
 * **Scale-out with a latency-bound backend** (issue #20: 2 nodes ≥ 1.8× one, 3 ≥ 2.6×): the builtin
 * `sleep {ms: 20}` on one worker taking 4 calls at a time (`limits.concurrency: 4`), so one node
 * serves at most ~200 calls/s whatever its CPU; 1, 2 and 3 cluster nodes, 64 sessions spread over
 * them (each session on the node that made it: a sticky balancer), 64 calls in flight.
 *
 * Load comes from this bench process (`fetch`), on the same cores as the nodes and Redis: the
 * forwarded path runs two gateways per call, so on 2 cores its ratio includes that CPU.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startRedis } from '../../../../tooling/testing/redis-server.ts';
import { limited } from '../e2e/limited.ts';
import { baseHeaders, callTool, echoInSession, openSession, waitForHttp } from '../e2e/mcp-http.ts';
import { cpuSeconds, descendants, stop, withScratch } from '../e2e/process.ts';
import { type Started, startSwitchyard } from '../e2e/setups.ts';
import type { BenchSuite, Figure, SuiteContext } from '../harness.ts';
import { median } from '../median.ts';

const CONCURRENCY = 64;
const TOOL = 'builtin__echo';
const BUILTIN_MODULE = join(import.meta.dir, '..', '..', '..', 'mcp-server', 'src', 'builtin', 'tools.ts');
const SECRET = 'bench-cluster-secret-0123456789abcdefghij';
const STOP_GRACE_MS = 15_000;

async function startNode(
  tmp: string,
  name: string,
  redisUrl: string | undefined,
  entry: Record<string, unknown> = {},
  keyPrefix = 'bench-cluster:',
): Promise<Started> {
  // Each node in a folder of its own, as on separate machines: a node's configuration watcher sees
  // the writes of its own journal only.
  const dir = join(tmp, `node-${name}`);
  mkdirSync(dir, { recursive: true });
  const started = await startSwitchyard(`switchyard node ${name}`, `node-${name}`, dir, {
    mcpServers: { builtin: { module: BUILTIN_MODULE, tier: 'hot', ...entry } },
    switchyard:
      redisUrl === undefined
        ? {}
        : {
            journal: { path: join(dir, `node-${name}.db`), redis: { url: redisUrl, keyPrefix } },
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

/** A closed-loop pass of `ms` of `sleep {ms: 20}`; session i goes to the node that made it. */
async function sleepPass(
  targets: { url: string; session: string }[],
  ms: number,
): Promise<{ rate: number; failed: number }> {
  const t0 = performance.now();
  const deadline = t0 + ms;
  let done = 0;
  let failed = 0;
  await Promise.all(
    targets.map(async ({ url, session }) => {
      for (let k = 0; performance.now() < deadline; k++) {
        try {
          await callTool(
            url,
            { ...baseHeaders(), 'mcp-session-id': session },
            'builtin__sleep',
            { ms: 20 },
            k,
          );
          done++;
        } catch {
          failed++;
        }
      }
    }),
  );
  return { rate: done / ((performance.now() - t0) / 1000), failed };
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

/**
 * Cluster mode against a plain node, in interleaved rounds: each round one pass on each (their
 * order alternating), seconds apart, so both see the same neighbours' load; per round the ratio of
 * their calls/s and of their gateway CPU per call (from `/proc`), and the figures are the medians of
 * the rounds' ratios — on a machine shared with other work a pass's rate swings far more than the
 * difference measured.
 */
async function measureCost(ctx: SuiteContext, tmp: string, redisUrl: string) {
  const rounds = ctx.dry ? 1 : ctx.quick ? 5 : 9;
  const passMs = ctx.dry ? 1_000 : ctx.quick ? 2_000 : 4_000;
  const plain = await startNode(tmp, 'plain', undefined);
  try {
    const clustered = await startNode(tmp, 'clustered', redisUrl, {}, 'bench-cost:');
    try {
      const nodes = { plain, clustered };
      const sessions: Record<string, string[]> = { plain: [], clustered: [] };
      for (const key of ['plain', 'clustered'] as const) {
        await limited(CONCURRENCY, 16, performance.now() + 30_000, async () => {
          sessions[key]!.push(await openSession(nodes[key].url));
        });
        await pass(nodes[key].url, sessions[key]!, 1_000);
      }
      const rates: Record<string, number[]> = { plain: [], clustered: [] };
      const cpu: Record<string, number[]> = { plain: [], clustered: [] };
      const rateRatios: number[] = [];
      const cpuRatios: number[] = [];
      let failures = 0;
      for (let p = 0; p < rounds; p++) {
        const order = p % 2 === 0 ? (['plain', 'clustered'] as const) : (['clustered', 'plain'] as const);
        const round: Record<string, { rate: number; cpuUs: number | undefined }> = {};
        for (const key of order) {
          const pid = nodes[key].child.pid;
          const cpu0 = cpuSeconds(pid);
          const r = await pass(nodes[key].url, sessions[key]!, passMs);
          const cpu1 = cpuSeconds(pid);
          const calls = r.rate * (passMs / 1000);
          const cpuUs =
            cpu0 !== undefined && cpu1 !== undefined && calls > 0 ? ((cpu1 - cpu0) * 1e6) / calls : undefined;
          round[key] = { rate: r.rate, cpuUs };
          rates[key]!.push(r.rate);
          if (cpuUs !== undefined) cpu[key]!.push(cpuUs);
          failures += r.failed;
        }
        const { plain: a, clustered: b } = round as Record<'plain' | 'clustered', (typeof round)[string]>;
        if (a.rate > 0) rateRatios.push(b.rate / a.rate);
        if (a.cpuUs !== undefined && b.cpuUs !== undefined && a.cpuUs > 0) cpuRatios.push(b.cpuUs / a.cpuUs);
        ctx.log(
          `  round ${p + 1}: plain ${Math.round(a.rate)}/s ${a.cpuUs?.toFixed(0) ?? '?'} µs CPU/call; clustered ${Math.round(b.rate)}/s ${b.cpuUs?.toFixed(0) ?? '?'} µs CPU/call`,
        );
      }
      return { rates, cpu, rateRatios, cpuRatios, failures };
    } finally {
      await stop(clustered.child, STOP_GRACE_MS, descendants(clustered.child.pid));
    }
  } finally {
    await stop(plain.child, STOP_GRACE_MS, descendants(plain.child.pid));
  }
}

/** 1, 2 and 3 cluster nodes with a latency-bound backend: calls/s of each size. */
async function measureScale(ctx: SuiteContext, tmp: string, redisUrl: string) {
  const passMs = ctx.dry ? 1_000 : ctx.quick ? 3_000 : 8_000;
  const out: { nodes: number; rate: number; failed: number }[] = [];
  for (const n of [1, 2, 3]) {
    const nodes: Started[] = [];
    try {
      for (let i = 0; i < n; i++) {
        nodes.push(
          await startNode(
            tmp,
            `scale${n}-${i}`,
            redisUrl,
            { limits: { concurrency: 4, queue: 1_024 } },
            `bench-scale-${n}:`,
          ),
        );
      }
      const targets: { url: string; session: string }[] = [];
      for (let i = 0; i < CONCURRENCY; i++) {
        const url = nodes[i % n]!.url;
        targets.push({ url, session: await openSession(url) });
      }
      await sleepPass(targets, 1_000);
      const r = await sleepPass(targets, passMs);
      out.push({ nodes: n, ...r });
      ctx.log(`- ${n} node(s): ${Math.round(r.rate)} calls/s of sleep 20 ms (${r.failed} failed)`);
    } finally {
      for (const node of nodes) await stop(node.child, STOP_GRACE_MS, descendants(node.child.pid));
    }
  }
  return out;
}

const suite: BenchSuite = {
  name: 'cluster',
  description:
    'session ownership among two nodes on one Redis: calls on sessions owned by node A sent to A (direct) against sent to B, which forwards them to A (calls/s at 64 in flight, p50/p99 one at a time)',
  async run(ctx) {
    const { r, cost, scale } = await withScratch('switchyard-bench-cluster-', async (tmp) => {
      const r = await measure(ctx, tmp);
      const redis = await startRedis();
      try {
        const cost = await measureCost(ctx, tmp, redis.url);
        const scale = await measureScale(ctx, tmp, redis.url);
        return { r, cost, scale };
      } finally {
        await redis.stop();
      }
    });
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
    ctx.log(
      `\ncluster mode cost (${cost.rateRatios.length} interleaved rounds): calls/s clustered ÷ plain, median ${median(cost.rateRatios).toFixed(3)} (rounds ${cost.rateRatios.map((r) => r.toFixed(2)).join(' ')}); CPU per call clustered ÷ plain, median ${median(cost.cpuRatios).toFixed(3)} (rounds ${cost.cpuRatios.map((r) => r.toFixed(2)).join(' ')}); failures ${cost.failures}`,
    );
    figures.push(
      {
        name: 'one node in cluster mode (echo, sticky)',
        value: median(cost.rates.clustered!),
        unit: 'calls/s',
        baseline: 'one plain node (SQLite only), median of interleaved rounds',
        ratio: median(cost.rateRatios),
      },
      {
        name: 'gateway CPU per call in cluster mode (echo, sticky)',
        value: median(cost.cpu.clustered!),
        unit: 'µs',
        baseline: 'one plain node, median of interleaved rounds (> 1: cluster mode costs more)',
        ratio: median(cost.cpuRatios),
      },
      { name: 'cluster mode cost failures', value: cost.failures, unit: 'calls' },
    );
    const one = scale.find((s) => s.nodes === 1)?.rate ?? 0;
    for (const s of scale) {
      figures.push({
        name: `${s.nodes} node(s), sleep 20 ms, 4 per node at a time`,
        value: s.rate,
        unit: 'calls/s',
        ...(s.nodes > 1 && { baseline: '1 node', ratio: s.rate / one }),
      });
    }
    return figures;
  },
};

export default suite;
