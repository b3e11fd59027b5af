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
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { baseHeaders, callTool, openSession, waitForHttp } from '../e2e/mcp-http.ts';
import { currentRss, descendants, stop, withScratch } from '../e2e/process.ts';
import { SETUPS } from '../e2e/setups.ts';
import type { BenchSuite, Figure, SuiteContext } from '../harness.ts';

const CONCURRENCY = 64;
const WARMUP_SESSIONS = 50;
const MB = 1024 * 1024;

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
}

/**
 * Runs `task(i)` for i in 0…n−1 with at most `limit` at once, until done or `deadline`
 * (performance.now() ms); returns how many completed and how many threw (the first error is kept).
 */
async function limited(
  n: number,
  limit: number,
  deadline: number,
  task: (i: number) => Promise<void>,
): Promise<{ done: number; failed: number; firstError?: unknown }> {
  let next = 0;
  let done = 0;
  let failed = 0;
  let firstError: unknown;
  const runner = async () => {
    while (next < n && performance.now() < deadline) {
      const i = next++;
      try {
        await task(i);
        done++;
      } catch (e) {
        failed++;
        firstError ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, runner));
  return { done, failed, firstError };
}

/** Sessions opened and ended after a size's phase: five times the size, at most 50 000. */
const churnOf = (size: number) => Math.min(50_000, size * 5);

/** Ends a 2025 session (HTTP DELETE). */
async function endSession(url: string, session: string): Promise<void> {
  const res = await fetch(url, {
    method: 'DELETE',
    headers: { ...baseHeaders(), 'mcp-session-id': session },
  });
  await res.body?.cancel();
  if (res.status !== 200 && res.status !== 204) throw new Error(`DELETE: HTTP ${res.status}`);
}

async function measureSize(
  ctx: SuiteContext,
  tmp: string,
  size: number,
  phaseMs: number,
  settleMs: number,
): Promise<Row> {
  const setup = SETUPS.find((s) => s.name === 'switchyard builtin')!;
  const { child, url } = await setup.start(tmp);
  try {
    await waitForHttp(url, 20_000, () => child.proc.exitCode === null);
    const call = async (session: string, i: number) => {
      const text = `s${i}`;
      const result = await callTool(url, { ...baseHeaders(), 'mcp-session-id': session }, setup.tool, {
        text,
      });
      if (result.isError || result.content?.[0]?.text !== text)
        throw new Error(`${setup.tool}: wrong answer ${JSON.stringify(result).slice(0, 200)}`);
    };
    // Warm-up: a few sessions opened and called, so the "before" RSS has the gateway's code paths in it.
    await limited(WARMUP_SESSIONS, 8, Number.POSITIVE_INFINITY, async (i) => {
      const session = await openSession(url);
      await call(session, i);
      await endSession(url, session);
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

    // Every session ended: what they held should go.
    t0 = performance.now();
    const closed = await limited(sessions.length, CONCURRENCY, t0 + phaseMs, (i) =>
      endSession(url, sessions[i]!),
    );
    if (closed.firstError) ctx.log(`  close: ${closed.failed} failed, first: ${String(closed.firstError)}`);
    await Bun.sleep(1000);
    const rssAfterClose = currentRss(child.pid);

    // Churn: sessions opened and ended, CONCURRENCY at a time, as short-lived clients do.
    t0 = performance.now();
    const churn = await limited(churnOf(size), CONCURRENCY, t0 + phaseMs, async () => {
      await endSession(url, await openSession(url));
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
    };
  } finally {
    await stop(child, 5000, descendants(child.pid));
  }
}

const suite: BenchSuite = {
  name: 'sessions',
  description:
    'many concurrent 2025-era sessions opening and calling the builtin module: rate and RSS per session',
  async run(ctx) {
    const sizes = ctx.dry ? [200] : ctx.quick ? [1_000] : [1_000, 10_000];
    const phaseMs = ctx.quick ? 20_000 : 60_000;
    const rows: Row[] = [];
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
          `- ${size}: ${Math.round(row.openPerSec)} sessions/s, ${Math.round(row.callsPerSec)} calls/s, RSS ${(row.rssBefore / MB).toFixed(0)} → ${(row.rssAfter / MB).toFixed(0)} MB`,
        );
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
      '\nRSS is VmRSS (not the peak), read 200 ms after each phase; garbage collection makes it noisy.',
    );
    if (rows.some((r) => r.failures > 0)) process.exitCode = 1;
    return figures;
  },
};

export default suite;
