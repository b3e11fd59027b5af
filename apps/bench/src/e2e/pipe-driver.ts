/**
 * The "backend pipe ceiling" driver of the e2e suite, run with bun in its own process:
 * `bun pipe-driver.ts '<json options>'`.
 *
 * Spawns one stdio MCP server (`command`), initializes it (2025-11-25 `initialize` +
 * `notifications/initialized`), checks one `tools/call echo` answers `answer`, then keeps `inflight`
 * calls of `tools/call <tool> {<argument>: "hello"}` outstanding on its stdin/stdout pipe (newline-
 * delimited JSON-RPC; the writes of one turn of the event loop go out in one flush): a warm-up of
 * `warmupSeconds`, then `durationSeconds` measured. That is the most calls per second any gateway in
 * front of this server could get out of one process of it on this machine.
 *
 * Prints `warm` after the warm-up, then one JSON line: calls answered in the measured window, calls/s,
 * latency p50/p99/p99.9 (ms, from write to answer), the driver's own CPU seconds over the window and
 * the server's (utime + stime from /proc). Options: { command, args, tool, argument, answer, inflight,
 * warmupSeconds, durationSeconds }.
 */
import { readFileSync } from 'node:fs';
import { type StdioAnswer, startStdioPeer } from './stdio-peer.ts';

interface Options {
  command: string;
  args: string[];
  tool: string;
  argument: string;
  answer: string;
  inflight: number;
  warmupSeconds: number;
  durationSeconds: number;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as Options;
type Answer = StdioAnswer & { result?: { content?: { text?: string }[] } };
const peer = startStdioPeer(opts.command, opts.args, ({ waiting }) => {
  if (waiting === 0) return;
  process.stderr.write(`pipe driver: the server closed its stdout (exit ${proc.exitCode})\n`);
  process.exit(1);
});
const { proc, send } = peer;
const call = (method: string, params: unknown): Promise<Answer> =>
  peer.call(method, params) as Promise<Answer>;

const init = await Promise.race([
  call('initialize', {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'switchyard-bench-pipe', version: '0.0.0' },
  }),
  Bun.sleep(20_000).then(() => undefined),
]);
if (!init?.result) {
  process.stderr.write(`pipe driver: initialize failed: ${JSON.stringify(init)}\n`);
  process.exit(1);
}
send({ jsonrpc: '2.0', method: 'notifications/initialized' });

const params = { name: opts.tool, arguments: { [opts.argument]: 'hello' } };
const first = await call('tools/call', params);
if (first.result?.content?.[0]?.text !== opts.answer) {
  process.stderr.write(`pipe driver: wrong echo answer: ${JSON.stringify(first)}\n`);
  process.exit(1);
}

/** Closed loop: `inflight` workers, each sending the next call as soon as its answer arrived. */
async function run(seconds: number, latencies?: number[]): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let answered = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const msg = await call('tools/call', params);
      if (msg.error) throw new Error(`tools/call failed: ${JSON.stringify(msg.error)}`);
      const t1 = performance.now();
      if (t1 <= end) {
        answered++;
        latencies?.push(t1 - t0);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.inflight }, worker));
  return answered;
}

const CLK_TCK = 100;
function cpuOf(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

if (opts.warmupSeconds > 0) await run(opts.warmupSeconds);
process.stdout.write('warm\n');
const latencies: number[] = [];
const cpu0 = process.cpuUsage();
const server0 = cpuOf(proc.pid);
const t0 = performance.now();
const answered = await run(opts.durationSeconds, latencies);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const serverCpu = cpuOf(proc.pid) - server0;
const sorted = Float64Array.from(latencies).sort();
const pct = (q: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]! : Number.NaN;
process.stdout.write(
  `${JSON.stringify({
    calls: answered,
    seconds,
    callsPerSec: answered / opts.durationSeconds,
    p50: pct(0.5),
    p99: pct(0.99),
    p999: pct(0.999),
    driverCpu: (cpu.user + cpu.system) / 1e6,
    serverCpu,
  })}\n`,
);
proc.kill('SIGTERM');
await Promise.race([proc.exited, Bun.sleep(2000)]);
if (proc.exitCode === null) proc.kill('SIGKILL');
process.exit(0);
