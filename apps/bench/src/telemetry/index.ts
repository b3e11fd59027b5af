/**
 * telemetry: what OpenTelemetry costs on the module path (issue #22) — the embedded default's
 * backend (the builtin module on worker threads, hot), `tools/call builtin__echo` on 2025 sessions,
 * 64 in flight, against three gateways of the same run:
 *
 * - `off`: no `switchyard.telemetry` (the default; the baseline);
 * - `on, sampled 0%`: telemetry on, `sampling: 0` — every request still gets its (non-recording)
 *   spans and a `traceparent` for the backend, nothing is exported;
 * - `on, sampled 100%`: every request's spans (server, admission, acquire, client: four per call)
 *   exported over OTLP/HTTP, and the metrics every 5 s, to a receiver in this bench process that
 *   takes and counts them.
 *
 * In alternating passes (each with sessions of its own, opened before it and ended after it,
 * untimed), the best pass of each. Figures: calls/s of each, and each ÷ `off` (the issue asks ≥ 0.9
 * for 100% sampling); and the `tools/call` CLIENT spans the receiver got ÷ the calls the 100%
 * gateway served (1 expected: a check that it traced what it served; the batch processor drops
 * spans when its queue of 2,048 is full, which this would show).
 *
 * Load comes from this bench process (`fetch` in a concurrency-limited loop, as the restore suite
 * does), on the same cores as the gateways and the receiver.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { closeSession, echoInSession, openSession, waitForHttp } from '../e2e/mcp-http.ts';
import { descendants, stop, withScratch } from '../e2e/process.ts';
import { type Started, startSwitchyard } from '../e2e/setups.ts';
import type { BenchSuite, Figure, SuiteContext } from '../harness.ts';

const CONCURRENCY = 64;
const TOOL = 'builtin__echo';
/** The embedded default's one backend (apps/mcp-server/src/config/defaults.ts). */
const BUILTIN_MODULE = join(import.meta.dir, '..', '..', '..', 'mcp-server', 'src', 'builtin', 'tools.ts');
interface Receiver {
  endpoint: string;
  spans(): number;
  stop(): void;
}

/** An OTLP/HTTP (JSON) receiver that counts the CLIENT spans of `tools/call` it is sent, and keeps nothing. */
function startReceiver(): Receiver {
  let spans = 0;
  const clientCall = `tools/call ${TOOL}`;
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const body = (await request.json()) as {
        resourceSpans?: { scopeSpans?: { spans?: { name?: string; kind?: number }[] }[] }[];
      };
      for (const rs of body.resourceSpans ?? [])
        for (const ss of rs.scopeSpans ?? [])
          for (const span of ss.spans ?? []) if (span.kind === 3 && span.name === clientCall) spans++;
      return Response.json({});
    },
  });
  return { endpoint: server.url.origin, spans: () => spans, stop: () => server.stop(true) };
}

interface Variant {
  label: string;
  telemetry: Record<string, unknown> | undefined;
}

async function startGateway(dir: string, telemetry: Record<string, unknown> | undefined): Promise<Started> {
  const started = await startSwitchyard('switchyard builtin', 'gateway', dir, {
    mcpServers: { builtin: { module: BUILTIN_MODULE, tier: 'hot' } },
    ...(telemetry && { switchyard: { telemetry } }),
  });
  await waitForHttp(started.url, 20_000, () => started.child.proc.exitCode === null);
  return started;
}

/** One timed pass of `ms` on fresh sessions (opened and ended around it, untimed). */
async function pass(url: string, ms: number): Promise<{ rate: number; calls: number; failed: number }> {
  const sessions = await Promise.all(Array.from({ length: CONCURRENCY }, () => openSession(url)));
  const t0 = performance.now();
  const deadline = t0 + ms;
  let calls = 0;
  let failed = 0;
  await Promise.all(
    sessions.map(async (session) => {
      for (let k = 0; performance.now() < deadline; k++) {
        try {
          await echoInSession(url, session, TOOL, k);
          calls++;
        } catch {
          failed++;
        }
      }
    }),
  );
  const rate = calls / ((performance.now() - t0) / 1000);
  await Promise.all(sessions.map((s) => closeSession(url, s).catch(() => {})));
  return { rate, calls, failed };
}

async function run(ctx: SuiteContext): Promise<Figure[]> {
  const passes = ctx.dry ? 1 : ctx.quick ? 2 : 4;
  const passMs = ctx.dry ? 500 : ctx.quick ? 3_000 : 6_000;
  const receiver = startReceiver();
  const variants: Variant[] = [
    { label: 'off', telemetry: undefined },
    {
      label: 'on, sampled 0%',
      telemetry: { enabled: true, endpoint: receiver.endpoint, sampling: 0, metricsIntervalMs: 5_000 },
    },
    {
      label: 'on, sampled 100%',
      telemetry: { enabled: true, endpoint: receiver.endpoint, sampling: 1, metricsIntervalMs: 5_000 },
    },
  ];
  try {
    return await withScratch('switchyard-bench-telemetry-', async (tmp) => {
      const gateways: Started[] = [];
      try {
        for (const v of variants)
          gateways.push(await startGateway(mkdtempSync(join(tmp, 'gw-')), v.telemetry));
        const traced = variants.length - 1;
        let tracedCalls = 0;
        // Warm each (JIT, worker threads) before anything is timed.
        for (const [i, g] of gateways.entries()) {
          const r = await pass(g.url, Math.min(passMs, 1_000));
          if (i === traced) tracedCalls += r.calls;
        }
        const best = variants.map(() => 0);
        let failures = 0;
        for (let p = 0; p < passes; p++) {
          for (const [i, g] of gateways.entries()) {
            const r = await pass(g.url, passMs);
            if (i === traced) tracedCalls += r.calls;
            failures += r.failed;
            if (r.failed > 0) ctx.log(`  ${variants[i]!.label}: ${r.failed} calls failed`);
            ctx.log(`  pass ${p + 1} ${variants[i]!.label}: ${r.rate.toFixed(0)} calls/s`);
            best[i] = Math.max(best[i]!, r.rate);
          }
        }
        // The 100% gateway's last batch of spans is out within 5 s (the batch processor's delay).
        await Bun.sleep(6_000);
        const exported = tracedCalls > 0 ? receiver.spans() / tracedCalls : 0;
        const off = best[0]!;
        ctx.log('');
        ctx.log('| telemetry | best calls/s | ÷ off |');
        ctx.log('| --- | --- | --- |');
        for (const [i, v] of variants.entries())
          ctx.log(`| ${v.label} | ${best[i]!.toFixed(0)} | ${off > 0 ? (best[i]! / off).toFixed(3) : '—'} |`);
        ctx.log(`client spans exported ÷ calls served (100%): ${exported.toFixed(3)}`);
        const figures: Figure[] = variants.map((v, i) => ({
          name: `module path calls/s, telemetry ${v.label}`,
          value: best[i]!,
          unit: 'ops/s',
          ...(i > 0 && { baseline: 'telemetry off', ratio: off > 0 ? best[i]! / off : 0 }),
        }));
        figures.push({
          name: 'client spans exported ÷ calls served (100%)',
          value: exported,
          unit: 'ratio',
        });
        figures.push({ name: 'failed calls', value: failures, unit: 'calls' });
        return figures;
      } finally {
        for (const g of gateways) await stop(g.child, 10_000, descendants(g.child.pid));
      }
    });
  } finally {
    receiver.stop();
  }
}

const suite: BenchSuite = {
  name: 'telemetry',
  description:
    'OpenTelemetry on the module path (builtin echo, 2025 sessions, 64 in flight): calls/s with telemetry off, on at 0% and at 100% sampling (spans exported over OTLP/HTTP to a receiver in the bench), as ratios to off.',
  run,
};

export default suite;
