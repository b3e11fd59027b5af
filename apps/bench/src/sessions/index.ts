/**
 * sessions: many concurrent 2025-era ("legacy", `Mcp-Session-Id`) front sessions against Switchyard
 * with its embedded default (the builtin module on worker threads). N sessions are opened
 * (`initialize` + `notifications/initialized`), then each makes one `tools/call builtin__echo`,
 * both phases with at most 64 requests in flight, from this bench process itself (`fetch` in a
 * concurrency-limited loop; the gateway is its own process). Sessions are left open, so the
 * gateway holds all N at the end.
 *
 * Figures per size: sessions opened per second, calls per second, and the gateway's RSS growth per
 * session: (`VmRSS` after the calls − `VmRSS` after a warm-up) ÷ sessions; then every session is
 * ended (DELETE) and `VmRSS` read again, and 5 × N more (at most 50 000) are opened and ended one
 * after another (churn), with `VmRSS` after them, and again after 20 s idle (the allocator hands
 * pages back over seconds), as ratios to the warm-up's (≈ 1: nothing kept per ended session). A
 * fresh gateway per size.
 * Sizes: `--dry` 200, `--quick` 1,000, full 1,000 and 10,000 — each phase bounded in time (what did
 * not fit is reported, and the figures cover the sessions done).
 *
 * Dashboard load (issue #16: 100 dashboard streams with 50k sessions once took the echo p50 from
 * 1.4 ms to 507 ms; the dashboard and metrics are meant to cost the same whatever the number of
 * sessions): with the sessions open and called, before they are ended, `tools/call builtin__echo` on
 * one of them, sequentially for 3 s (at most 10,000 calls, after 10 unmeasured: a pass spans many
 * of the dashboard's snapshot ticks), p50 and p99; then 100 `/dashboard/events` streams are opened
 * and read until each had its first snapshot, and the same is measured again with them open and
 * read, then they are closed. Figures: both p50/p99 and with ÷ without. Full runs also take this measure at 50,000 sessions
 * (only this phase: the sessions are opened, not called, churned or weighed). The gateway is the
 * embedded default's backend (builtin, hot) from a config file whose changes are its limits —
 * `streamsPerPrincipal` 128 (the 100 streams are one principal's: no tokens, loopback) and
 * `sessions` at least the size + 1,000 — and the journal's memory: `journal.cacheKiB` 1024 and
 * `mmapBytes` 0, so the RSS ratios show what the gateway keeps per ended session and not SQLite's
 * page cache filling up to its bound (with the defaults, 100 000 churned sessions grew the anonymous
 * RSS by ~19 MB of cache and the file-backed part by the mapped journal, then stopped).
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { limited } from '../e2e/limited.ts';
import { closeSession, echoInSession, openSession, waitForHttp } from '../e2e/mcp-http.ts';
import { currentRss, descendants, stop, withScratch } from '../e2e/process.ts';
import { type Started, startSwitchyard } from '../e2e/setups.ts';
import type { BenchSuite, Figure, SuiteContext } from '../harness.ts';

const CONCURRENCY = 64;
const WARMUP_SESSIONS = 50;
const MB = 1024 * 1024;
const TOOL = 'builtin__echo';
/** The embedded default's one backend (apps/mcp-server/src/config/defaults.ts). */
const BUILTIN_MODULE = join(import.meta.dir, '..', '..', '..', 'mcp-server', 'src', 'builtin', 'tools.ts');
/** Dashboard streams opened for the latency under dashboard load. */
const DASHBOARD_STREAMS = 100;
/** Sequential echo calls per latency pass: at most this many, within `LATENCY_MS`. */
const LATENCY_CALLS = 10_000;
const LATENCY_MS = 3_000;
/** Unmeasured calls before each latency pass. */
const LATENCY_WARMUP = 10;
/** How long the dashboard streams may take to open and deliver their first snapshot. */
const DASHBOARD_READY_MS = 15_000;
/** The size measured for the dashboard phase alone (full runs). */
const DASHBOARD_ONLY_SIZE = 50_000;

interface Latency {
  p50: number;
  p99: number;
  calls: number;
}

/** Echo latency with the sessions open, without and then with the dashboard streams. */
interface DashboardLoad {
  size: number;
  /** Sessions open while measured. */
  open: number;
  quiet: Latency;
  loaded: Latency;
  streams: number;
  /** Snapshots the streams received, in all, while open. */
  snapshots: number;
}

interface Row {
  size: number;
  /** VmRSS once every session was ended (DELETE), bytes. */
  rssAfterClose: number;
  /** Sessions opened and ended one after another after that (churn), and VmRSS after them. */
  churned: number;
  rssAfterChurn: number;
  /** VmRSS after the churn and `settleMs` with nothing to do (the allocator gives pages back). */
  rssSettled: number;
  settleMs: number;
  opened: number;
  called: number;
  openPerSec: number;
  callsPerSec: number;
  rssBefore: number;
  rssAfter: number;
  failures: number;
  dashboard: DashboardLoad;
}

/** Sessions opened and ended after a size's phase: five times the size, at most 50 000. */
const churnOf = (size: number) => Math.min(50_000, size * 5);

/** A gateway with the embedded default's backend, its limits raised for `size` sessions and the streams. */
async function startGateway(tmp: string, size: number): Promise<Started> {
  const started = await startSwitchyard('switchyard builtin', 'gateway', tmp, {
    mcpServers: { builtin: { module: BUILTIN_MODULE, tier: 'hot' } },
    switchyard: {
      limits: { streamsPerPrincipal: DASHBOARD_STREAMS + 28, sessions: Math.max(10_000, size + 1_000) },
      // SQLite's page cache (16 MiB per connection by default, two connections) fills as the
      // journal grows, and mapped journal pages count in VmRSS: with the defaults the RSS after the
      // churn grows by up to what those two allow, then stops. Kept small here, so the figures show
      // what the gateway itself keeps per ended session.
      journal: { cacheKiB: 1024, mmapBytes: 0 },
    },
  });
  const { child, url } = started;
  await waitForHttp(url, 20_000, () => child.proc.exitCode === null);
  return started;
}

/** The `q` quantile of `samples` (nearest rank). */
function quantile(samples: number[], q: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN;
}

/** Sequential echo calls on one session: at most `LATENCY_CALLS` within `LATENCY_MS`, after a warm-up. */
async function echoLatency(url: string, session: string): Promise<Latency> {
  for (let i = 0; i < LATENCY_WARMUP; i++) await echoInSession(url, session, TOOL, i);
  const ms: number[] = [];
  const deadline = performance.now() + LATENCY_MS;
  while (ms.length < LATENCY_CALLS && performance.now() < deadline) {
    const t0 = performance.now();
    await echoInSession(url, session, TOOL, ms.length);
    ms.push(performance.now() - t0);
  }
  return { p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), calls: ms.length };
}

/**
 * `n` `/dashboard/events` streams, each read (and its snapshots counted) until `signal` aborts;
 * resolves once every one has had its first snapshot, rejects if one is refused or that takes
 * longer than `DASHBOARD_READY_MS`.
 */
async function openDashboards(url: string, n: number, signal: AbortSignal): Promise<() => number> {
  const eventsUrl = new URL('/dashboard/events', url);
  let snapshots = 0;
  const marker = 'event: snapshot\n';
  const stream = async (first: () => void) => {
    const res = await fetch(eventsUrl, { headers: { accept: 'text/event-stream' }, signal });
    if (!res.ok || !res.body) throw new Error(`/dashboard/events: HTTP ${res.status}: ${await res.text()}`);
    const decoder = new TextDecoder();
    // The end of the last chunk, so that a marker split between two chunks is counted once.
    let carry = '';
    try {
      for await (const chunk of res.body) {
        const text = carry + decoder.decode(chunk, { stream: true });
        for (let at = text.indexOf(marker); at !== -1; at = text.indexOf(marker, at + marker.length)) {
          snapshots++;
          first();
        }
        carry = text.slice(-(marker.length - 1));
      }
    } catch (e) {
      if (!signal.aborted) throw e;
    }
  };
  const ready = Array.from(
    { length: n },
    () =>
      new Promise<void>((resolve, reject) => {
        stream(resolve).catch(reject);
      }),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`dashboard streams: not all had a snapshot within ${DASHBOARD_READY_MS} ms`)),
      DASHBOARD_READY_MS,
    );
  });
  try {
    await Promise.race([Promise.all(ready), timeout]);
  } finally {
    clearTimeout(timer);
  }
  return () => snapshots;
}

/** The echo latency on `session` without, then with `DASHBOARD_STREAMS` dashboard streams open. */
async function dashboardLoad(
  url: string,
  session: string,
  size: number,
  open: number,
): Promise<DashboardLoad> {
  const quiet = await echoLatency(url, session);
  const streams = new AbortController();
  try {
    const snapshots = await openDashboards(url, DASHBOARD_STREAMS, streams.signal);
    const loaded = await echoLatency(url, session);
    return { size, open, quiet, loaded, streams: DASHBOARD_STREAMS, snapshots: snapshots() };
  } finally {
    streams.abort();
  }
}

/** Only the dashboard phase, at `size` sessions: open them, measure, end them. */
async function measureDashboardOnly(
  ctx: SuiteContext,
  tmp: string,
  size: number,
  phaseMs: number,
): Promise<DashboardLoad> {
  const { child, url } = await startGateway(tmp, size);
  try {
    const sessions: string[] = [];
    const t0 = performance.now();
    const open = await limited(size, CONCURRENCY, t0 + phaseMs, async () => {
      sessions.push(await openSession(url));
    });
    if (open.firstError) ctx.log(`  open: ${open.failed} failed, first: ${String(open.firstError)}`);
    if (open.done < size) ctx.log(`  ${size}: bounded at ${phaseMs / 1000} s — ${open.done} opened`);
    ctx.log(`  ${open.done} sessions opened in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (sessions.length === 0) throw new Error(`no session opened: ${String(open.firstError)}`);
    const load = await dashboardLoad(url, sessions[0]!, size, sessions.length);
    if (child.proc.exitCode !== null) throw new Error(`the gateway exited; stderr: ${child.stderrTail()}`);
    await limited(sessions.length, CONCURRENCY, performance.now() + phaseMs, (i) =>
      closeSession(url, sessions[i]!),
    );
    return load;
  } finally {
    await stop(child, 5000, descendants(child.pid));
  }
}

async function measureSize(
  ctx: SuiteContext,
  tmp: string,
  size: number,
  phaseMs: number,
  settleMs: number,
): Promise<Row> {
  const { child, url } = await startGateway(tmp, size);
  try {
    const call = (session: string, i: number) => echoInSession(url, session, TOOL, i);
    // Warm-up: a few sessions opened and called, so the "before" RSS has the gateway's code paths in it.
    await limited(WARMUP_SESSIONS, 8, Number.POSITIVE_INFINITY, async (i) => {
      const session = await openSession(url);
      await call(session, i);
      await closeSession(url, session);
    });
    await Bun.sleep(200);
    const rssBefore = currentRss(child.pid);

    const sessions: string[] = [];
    let t0 = performance.now();
    const open = await limited(size, CONCURRENCY, t0 + phaseMs, async () => {
      sessions.push(await openSession(url));
    });
    const openSec = (performance.now() - t0) / 1000;
    if (open.firstError) ctx.log(`  open: ${open.failed} failed, first: ${String(open.firstError)}`);

    t0 = performance.now();
    const calls = await limited(sessions.length, CONCURRENCY, t0 + phaseMs, (i) => call(sessions[i]!, i));
    const callSec = (performance.now() - t0) / 1000;
    if (calls.firstError) ctx.log(`  call: ${calls.failed} failed, first: ${String(calls.firstError)}`);
    await Bun.sleep(200);
    const rssAfter = currentRss(child.pid);
    if (child.proc.exitCode !== null) throw new Error(`the gateway exited; stderr: ${child.stderrTail()}`);

    // The sessions still open: the echo latency without and with dashboard streams.
    if (sessions.length === 0) throw new Error(`no session opened: ${String(open.firstError)}`);
    const dashboard = await dashboardLoad(url, sessions[0]!, size, sessions.length);
    if (child.proc.exitCode !== null) throw new Error(`the gateway exited; stderr: ${child.stderrTail()}`);

    // Every session ended: what they held should go.
    t0 = performance.now();
    const closed = await limited(sessions.length, CONCURRENCY, t0 + phaseMs, (i) =>
      closeSession(url, sessions[i]!),
    );
    if (closed.firstError) ctx.log(`  close: ${closed.failed} failed, first: ${String(closed.firstError)}`);
    await Bun.sleep(1000);
    const rssAfterClose = currentRss(child.pid);

    // Churn: sessions opened and ended, CONCURRENCY at a time, as short-lived clients do.
    t0 = performance.now();
    const churn = await limited(churnOf(size), CONCURRENCY, t0 + phaseMs, async () => {
      await closeSession(url, await openSession(url));
    });
    if (churn.firstError) ctx.log(`  churn: ${churn.failed} failed, first: ${String(churn.firstError)}`);
    await Bun.sleep(1000);
    const rssAfterChurn = currentRss(child.pid);
    await Bun.sleep(settleMs);
    const rssSettled = currentRss(child.pid);
    if (open.done < size || calls.done < open.done)
      ctx.log(
        `  ${size}: bounded at ${phaseMs / 1000} s per phase — ${open.done} opened, ${calls.done} called`,
      );
    return {
      size,
      opened: open.done,
      called: calls.done,
      openPerSec: open.done / openSec,
      callsPerSec: calls.done / callSec,
      rssBefore,
      rssAfter,
      rssAfterClose,
      churned: churn.done,
      rssAfterChurn,
      rssSettled,
      settleMs,
      failures: open.failed + calls.failed + closed.failed + churn.failed,
      dashboard,
    };
  } finally {
    await stop(child, 5000, descendants(child.pid));
  }
}

function latencyLine(d: DashboardLoad): string {
  return `echo p50/p99 ${d.quiet.p50.toFixed(2)}/${d.quiet.p99.toFixed(2)} ms, with ${d.streams} dashboard streams ${d.loaded.p50.toFixed(2)}/${d.loaded.p99.toFixed(2)} ms`;
}

const suite: BenchSuite = {
  name: 'sessions',
  description:
    'many concurrent 2025-era sessions opening and calling the builtin module: rate, RSS per session, echo latency with and without 100 dashboard streams',
  async run(ctx) {
    const sizes = ctx.dry ? [200] : ctx.quick ? [1_000] : [1_000, 10_000];
    const phaseMs = ctx.quick ? 20_000 : 60_000;
    const rows: Row[] = [];
    const loads: DashboardLoad[] = [];
    await withScratch('switchyard-bench-sessions-', async (tmp) => {
      ctx.log(
        `switchyard builtin, ${CONCURRENCY} requests in flight, from the bench process (fetch); ${phaseMs / 1000} s cap per phase`,
      );
      for (const size of sizes) {
        // Each size in a temp folder of its own (the builtin setup journals to ./switchyard.db).
        const dir = mkdtempSync(join(tmp, `n${size}-`));
        const row = await measureSize(ctx, dir, size, phaseMs, ctx.dry ? 2_000 : 20_000);
        rows.push(row);
        ctx.log(
          `- ${size}: ${Math.round(row.openPerSec)} sessions/s, ${Math.round(row.callsPerSec)} calls/s, RSS ${(row.rssBefore / MB).toFixed(0)} → ${(row.rssAfter / MB).toFixed(0)} MB, ${latencyLine(row.dashboard)}`,
        );
        loads.push(row.dashboard);
      }
      if (!ctx.dry && !ctx.quick) {
        const dir = mkdtempSync(join(tmp, `n${DASHBOARD_ONLY_SIZE}-dashboard-`));
        const load = await measureDashboardOnly(ctx, dir, DASHBOARD_ONLY_SIZE, phaseMs);
        loads.push(load);
        ctx.log(`- ${load.open} (dashboard phase only): ${latencyLine(load)}`);
      }
    });
    ctx.log(
      '\n| sessions | opened | called | sessions/s | calls/s | RSS before MB | RSS after MB | RSS KB per session | RSS all ended MB | churned | RSS after churn MB | after churn ÷ before | settled ÷ before | failures |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    const figures: Figure[] = [];
    for (const r of rows) {
      const perSession = (r.rssAfter - r.rssBefore) / 1024 / Math.max(1, r.opened);
      ctx.log(
        `| ${r.size} | ${r.opened} | ${r.called} | ${Math.round(r.openPerSec)} | ${Math.round(r.callsPerSec)} | ${(r.rssBefore / MB).toFixed(1)} | ${(r.rssAfter / MB).toFixed(1)} | ${perSession.toFixed(1)} | ${(r.rssAfterClose / MB).toFixed(1)} | ${r.churned} | ${(r.rssAfterChurn / MB).toFixed(1)} | ${(r.rssAfterChurn / r.rssBefore).toFixed(2)} | ${(r.rssSettled / r.rssBefore).toFixed(2)} | ${r.failures} |`,
      );
      figures.push(
        { name: `${r.size} sessions opened`, value: r.openPerSec, unit: 'sessions/s' },
        { name: `${r.size} sessions calls`, value: r.callsPerSec, unit: 'calls/s' },
        { name: `${r.size} sessions RSS growth per session`, value: perSession, unit: 'KB' },
        { name: `${r.size} sessions RSS all ended`, value: r.rssAfterClose / MB, unit: 'MB' },
        {
          name: `${r.size} sessions RSS after ${r.churned} opened and ended ÷ before`,
          value: r.rssAfterChurn / r.rssBefore,
          unit: 'ratio',
        },
        {
          name: `${r.size} sessions RSS ${r.settleMs / 1000} s after the churn ÷ before`,
          value: r.rssSettled / r.rssBefore,
          unit: 'ratio',
        },
        { name: `${r.size} sessions failures`, value: r.failures, unit: 'count' },
      );
    }
    ctx.log(
      `\n| sessions open | echo p50 ms | echo p99 ms | with ${DASHBOARD_STREAMS} dashboard streams p50 ms | p99 ms | p50 with ÷ without | p99 with ÷ without | calls per pass | snapshots received |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`,
    );
    for (const d of loads) {
      ctx.log(
        `| ${d.open} | ${d.quiet.p50.toFixed(2)} | ${d.quiet.p99.toFixed(2)} | ${d.loaded.p50.toFixed(2)} | ${d.loaded.p99.toFixed(2)} | ${(d.loaded.p50 / d.quiet.p50).toFixed(2)} | ${(d.loaded.p99 / d.quiet.p99).toFixed(2)} | ${d.quiet.calls}, ${d.loaded.calls} | ${d.snapshots} |`,
      );
      const at = `${d.size} sessions echo`;
      const withStreams = `with ${d.streams} dashboard streams`;
      figures.push(
        { name: `${at} p50`, value: d.quiet.p50, unit: 'ms', spread: d.quiet.p99 - d.quiet.p50 },
        { name: `${at} p99`, value: d.quiet.p99, unit: 'ms' },
        {
          name: `${at} p50 ${withStreams}`,
          value: d.loaded.p50,
          unit: 'ms',
          spread: d.loaded.p99 - d.loaded.p50,
        },
        { name: `${at} p99 ${withStreams}`, value: d.loaded.p99, unit: 'ms' },
        { name: `${at} p50 ${withStreams} ÷ without`, value: d.loaded.p50 / d.quiet.p50, unit: 'ratio' },
        { name: `${at} p99 ${withStreams} ÷ without`, value: d.loaded.p99 / d.quiet.p99, unit: 'ratio' },
      );
    }
    ctx.log(
      '\nRSS is VmRSS (not the peak), read 200 ms after each phase; garbage collection makes it noisy. Echo latency: one session, sequential calls from the bench process, which also reads the dashboard streams.',
    );
    if (rows.some((r) => r.failures > 0)) process.exitCode = 1;
    return figures;
  },
};

export default suite;
