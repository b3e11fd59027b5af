/**
 * journal-soak: whether the gateway's journal stays within its size limit under a steady load.
 *
 * The real gateway (`switchyard serve --port 0 --config <tmp>`) with the builtin module (hot, on
 * worker threads) and its journal in a temp folder, with a small `retention.maxBytes` (16 MiB;
 * `--dry`: 4 MiB), `retention.intervalMs` 1 s and `auditPayloads: true` (so each call's request and
 * response are journaled: without it an audit entry is a few dozen bytes and the file would hardly
 * grow). The bench process itself drives `tools/call builtin__echo` with 4 KiB of random text (so
 * zstd cannot shrink it away) from `SESSIONS` 2025-era front sessions, `CONCURRENCY` calls in flight,
 * for 60 s (`--quick` 20 s, `--dry` 5 s), and samples the journal's size on disk (the db file plus
 * its `-wal`) every 250 ms.
 *
 * Figures: calls/s, the peak and the final size on disk as a ratio to `maxBytes` (≤ ~1.1 is "kept
 * within", allowing for the WAL and one interval's writes), and how many times the sampled size
 * fell by more than 1 % (a retention pass that gave pages back; the gateway does not report its
 * passes). The final size is read after the load stops and one more interval has passed.
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { baseHeaders, callTool, openSession, waitForHttp } from '../e2e/mcp-http.ts';
import { descendants, stop, withScratch } from '../e2e/process.ts';
import { startSwitchyard } from '../e2e/setups.ts';
import type { BenchSuite } from '../harness.ts';

const MiB = 1024 * 1024;
const SESSIONS = 32;
const CONCURRENCY = 16;
const TEXT_BYTES = 4096;
const INTERVAL_MS = 1000;
const SAMPLE_MS = 250;
const TOOL = 'builtin__echo';
const BUILTIN_MODULE = join(import.meta.dir, '..', '..', '..', 'mcp-server', 'src', 'builtin', 'tools.ts');

/** Bytes on disk of a file, 0 when it is not there. */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

interface Soak {
  maxBytes: number;
  seconds: number;
  calls: number;
  failures: number;
  firstError?: unknown;
  peak: number;
  /** The largest `-wal` seen, bytes. */
  peakWal: number;
  /** Size on disk when the load stopped. */
  atStop: number;
  /** Size on disk one retention interval (and a little more) after the load stopped. */
  final: number;
  /** Times the sampled size fell by more than 1 % of the limit: retention passes that shrank the file. */
  shrinks: number;
  samples: number;
}

async function soak(tmp: string, maxBytes: number, loadMs: number): Promise<Soak> {
  const file = 'soak';
  const db = join(tmp, `${file}.db`);
  const { child, url } = await startSwitchyard('switchyard journal-soak', file, tmp, {
    mcpServers: { builtin: { module: BUILTIN_MODULE, tier: 'hot' } },
    switchyard: {
      journal: {
        path: db,
        auditPayloads: true,
        retention: { maxBytes, intervalMs: INTERVAL_MS },
      },
    },
  });
  try {
    await waitForHttp(url, 20_000, () => child.proc.exitCode === null);
    const sessions: string[] = [];
    for (let i = 0; i < SESSIONS; i++) sessions.push(await openSession(url));

    let peak = 0;
    let peakWal = 0;
    let last = 0;
    let shrinks = 0;
    let samples = 0;
    const sample = () => {
      const wal = sizeOf(`${db}-wal`);
      const size = sizeOf(db) + wal;
      samples++;
      if (size > peak) peak = size;
      if (wal > peakWal) peakWal = wal;
      if (last - size > maxBytes / 100) shrinks++;
      last = size;
      return size;
    };
    const sampler = setInterval(sample, SAMPLE_MS);

    let calls = 0;
    let failures = 0;
    let firstError: unknown;
    const started = performance.now();
    const deadline = started + loadMs;
    const runner = async (r: number) => {
      let n = 0;
      while (performance.now() < deadline) {
        const session = sessions[(r + n * CONCURRENCY) % SESSIONS]!;
        const text = randomBytes((TEXT_BYTES * 3) / 4).toString('base64');
        try {
          const result = await callTool(url, { ...baseHeaders(), 'mcp-session-id': session }, TOOL, { text });
          if (result.isError || result.content?.[0]?.text !== text)
            throw new Error(`${TOOL}: wrong answer ${JSON.stringify(result).slice(0, 200)}`);
          calls++;
        } catch (error) {
          failures++;
          firstError ??= error;
          if (child.proc.exitCode !== null) return;
        }
        n++;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, r) => runner(r)));
    const seconds = (performance.now() - started) / 1000;
    const atStop = sample();
    // One more interval (and a little): the pass that follows the last writes.
    await Bun.sleep(INTERVAL_MS * 2 + SAMPLE_MS);
    const final = sample();
    clearInterval(sampler);
    if (child.proc.exitCode !== null) throw new Error(`the gateway exited; stderr: ${child.stderrTail()}`);
    return {
      maxBytes,
      seconds,
      calls,
      failures,
      firstError,
      peak,
      peakWal,
      atStop,
      final,
      shrinks,
      samples,
    };
  } finally {
    await stop(child, 5000, descendants(child.pid));
  }
}

const suite: BenchSuite = {
  name: 'journal-soak',
  description:
    'the journal under a steady load of 4 KiB calls with a small retention.maxBytes: size on disk (db + WAL) ÷ the limit',
  async run(ctx) {
    const maxBytes = (ctx.dry ? 4 : 16) * MiB;
    const loadMs = ctx.dry ? 5_000 : ctx.quick ? 20_000 : 60_000;
    ctx.log(
      `switchyard builtin, journal retention.maxBytes ${maxBytes / MiB} MiB every ${INTERVAL_MS / 1000} s, auditPayloads on; ${SESSIONS} sessions, ${CONCURRENCY} calls in flight of ${TEXT_BYTES / 1024} KiB each for ${loadMs / 1000} s; size sampled every ${SAMPLE_MS} ms`,
    );
    const s = await withScratch('switchyard-bench-journal-soak-', (tmp) => soak(tmp, maxBytes, loadMs));
    if (s.firstError) ctx.log(`  ${s.failures} calls failed, first: ${String(s.firstError)}`);
    const callsPerSec = s.calls / s.seconds;
    ctx.log(
      '\n| limit MiB | calls | calls/s | peak MiB | peak ÷ limit | at stop ÷ limit | final ÷ limit | peak WAL MiB | shrinks seen | failures |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    ctx.log(
      `| ${s.maxBytes / MiB} | ${s.calls} | ${Math.round(callsPerSec)} | ${(s.peak / MiB).toFixed(1)} | ${(s.peak / s.maxBytes).toFixed(2)} | ${(s.atStop / s.maxBytes).toFixed(2)} | ${(s.final / s.maxBytes).toFixed(2)} | ${(s.peakWal / MiB).toFixed(1)} | ${s.shrinks} | ${s.failures} |`,
    );
    ctx.log(
      `\nSize on disk: the db file plus its -wal, ${s.samples} samples. "Final": ${(INTERVAL_MS * 2 + SAMPLE_MS) / 1000} s after the load stopped. Shrinks: samples that fell by more than 1 % of the limit (retention passes that gave pages back; the gateway does not report its passes). Peak ÷ limit ≤ ~1.1 is "kept within".`,
    );
    if (s.failures > 0) process.exitCode = 1;
    return [
      { name: 'calls', value: callsPerSec, unit: 'calls/s' },
      { name: 'peak size ÷ maxBytes', value: s.peak / s.maxBytes, unit: 'ratio' },
      { name: 'size at stop ÷ maxBytes', value: s.atStop / s.maxBytes, unit: 'ratio' },
      { name: 'final size ÷ maxBytes', value: s.final / s.maxBytes, unit: 'ratio' },
      { name: 'peak WAL', value: s.peakWal / MiB, unit: 'MiB' },
      { name: 'shrinks seen', value: s.shrinks, unit: 'count' },
      { name: 'failures', value: s.failures, unit: 'count' },
    ];
  },
};

export default suite;
