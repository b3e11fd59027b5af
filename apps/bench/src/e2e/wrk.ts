/**
 * The e2e suite's closed-loop load generator when `wrk` is installed (Debian package `wrk`): a
 * native generator, so it is not the limit the way autocannon on node is (about 37k req/s on the
 * bare floor where wrk reaches 56–76k on the same 2-core machine).
 *
 * Each pass is one `wrk --latency` process with a Lua script written for the request shape: a
 * `tools/call` POST whose body carries a fresh JSON-RPC id per request (`"w<n>"`, one counter per wrk
 * thread, prefixed with the thread's number), the setup's headers, and optionally one of a list of
 * header sets per request in turn (the 2026-07-28 setups' affinity keys). A 2025 session is opened
 * beforehand and shared by every connection (wrk cannot open one per connection): the same shape as
 * the autocannon runs had. The script's `done()` prints one JSON line (2xx count, status errors,
 * socket errors, latency percentiles in µs), which is what is parsed; wrk's own text stays for
 * error messages. The generator's CPU time comes from the child's resource usage once it exited.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GeneratorUsage } from './generator-usage.ts';
import type { LoadOptions, LoadResult } from './load.ts';
import { spawnChild, stop } from './process.ts';

/** Whether `BENCH_GENERATOR=autocannon` asks for autocannon even where wrk is installed. */
export const autocannonForced = (): boolean => process.env.BENCH_GENERATOR === 'autocannon';

/**
 * The `wrk` on PATH, or undefined (the suite falls back to autocannon and says so); undefined too
 * with `BENCH_GENERATOR=autocannon` (to compare the generators, or to check the fallback).
 */
export const wrkPath = (): string | undefined =>
  autocannonForced() ? undefined : (Bun.which('wrk') ?? undefined);

const luaString = (s: string): string => {
  // A long bracket whose level no `]=…]` in the text closes.
  let level = '';
  while (s.includes(`]${level}]`)) level += '=';
  return `[${level}[${s}]${level}]`;
};

/** A double-quoted Lua string literal of `s` (ASCII: backslash, quote, CR and LF escaped). */
const luaQuoted = (s: string): string =>
  `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\r', '\\r').replaceAll('\n', '\\n')}"`;

/**
 * The Lua script of one request shape (`[<id>]` in the body becomes a fresh id per request). Each
 * request is one string concatenation: the request line and headers of each header set are built
 * once per thread (`init`), so the per-request Lua work is the id, the body and its length.
 */
export function wrkScript(opts: Pick<LoadOptions, 'body' | 'headers' | 'headersPerConnection'>): string {
  const marker = '[<id>]';
  const at = opts.body.indexOf(marker);
  if (at < 0) throw new Error('wrk: the body has no [<id>] to replace');
  const before = opts.body.slice(0, at);
  const after = opts.body.slice(at + marker.length);
  const sets = (opts.headersPerConnection?.length ? opts.headersPerConnection : [{}]).map((extra) => {
    const headers = Object.entries({ ...opts.headers, ...extra }).filter(
      ([k]) => !/^(host|content-length)$/i.test(k),
    );
    // A quoted Lua string (a long bracket would turn each CR LF into LF).
    return luaQuoted(headers.map(([k, v]) => `${k}: ${v}\r\n`).join(''));
  });
  return `-- written by apps/bench/src/e2e/wrk.ts
local sets = { ${sets.join(',\n  ')} }
local before = ${luaString(before)}
local after = ${luaString(after)}
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

local n = 0
local k = 0
local prefix = "w"
local heads = {}
function init(args)
  prefix = "w" .. tostring(tid) .. "-"
  for i, headers in ipairs(sets) do
    heads[i] = "POST " .. wrk.path .. " HTTP/1.1\\r\\nHost: " .. wrk.headers["Host"] .. "\\r\\n" .. headers .. "Content-Length: "
  end
end

function request()
  n = n + 1
  k = k % #heads + 1
  local body = before .. prefix .. n .. after
  return heads[k] .. #body .. "\\r\\n\\r\\n" .. body
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"requests":%d,"durationUs":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50":%d,"p99":%d,"p999":%d,"max":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
end
`;
}

interface WrkSummary {
  requests: number;
  durationUs: number;
  status: number;
  connect: number;
  read: number;
  write: number;
  timeout: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** One `wrk` pass; resolves with its result line and the CPU it used. */
async function wrkPass(
  name: string,
  script: string,
  url: string,
  connections: number,
  threads: number,
  seconds: number,
): Promise<{ summary: WrkSummary; usage: GeneratorUsage; text: string }> {
  const wrk = wrkPath();
  if (!wrk) throw new Error('wrk is not installed');
  const child = spawnChild(`wrk (${name})`, [
    wrk,
    `-t${threads}`,
    `-c${connections}`,
    `-d${seconds}s`,
    '--timeout',
    '10s',
    '--latency',
    '-s',
    script,
    url,
  ]);
  const t0 = performance.now();
  const lines: string[] = [];
  try {
    const limit = setTimeout(() => child.proc.kill('SIGKILL'), (seconds + 20) * 1000);
    for await (const line of child.lines) lines.push(line);
    await child.proc.exited;
    clearTimeout(limit);
  } finally {
    await stop(child, 1000);
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  const text = lines.join('\n');
  const result = lines.find((l) => l.startsWith('WRK-RESULT '));
  if (!result || child.proc.exitCode !== 0)
    throw new Error(`wrk exited ${child.proc.exitCode}: ${text.slice(-500)} ${child.stderrTail()}`);
  const cpu = child.proc.resourceUsage()?.cpuTime;
  const summary = JSON.parse(result.slice('WRK-RESULT '.length)) as WrkSummary;
  return {
    summary,
    usage: {
      cpuSeconds: cpu ? Number(cpu.total) / 1e6 : Number.NaN,
      // wrk's own duration (its threads' run), not the process's start-up.
      wallSeconds: summary.durationUs > 0 ? summary.durationUs / 1e6 : wallSeconds,
      threads,
    },
    text,
  };
}

/**
 * A warm-up pass (figures dropped), `onWarm`, then the measured pass: closed loop, `connections`
 * keep-alive connections on `threads` wrk threads (`opts.overallRate` and `pace` are not supported).
 */
export async function runWrk(
  name: string,
  opts: LoadOptions,
  tmp: string,
  onWarm?: () => void,
  threads = 1,
): Promise<{ load: LoadResult; generator: GeneratorUsage }> {
  if (opts.overallRate !== undefined || opts.pace !== undefined)
    throw new Error('wrk: closed loop only (use autocannon for paced load)');
  const script = join(tmp, `wrk-${name.replaceAll(/[^\w]+/g, '-')}-${opts.connections}.lua`);
  writeFileSync(script, wrkScript(opts));
  const conns = Math.max(opts.connections, threads);
  if (opts.warmupSeconds > 0)
    await wrkPass(name, script, opts.url, conns, threads, Math.max(1, Math.round(opts.warmupSeconds)));
  onWarm?.();
  const { summary: s, usage } = await wrkPass(
    name,
    script,
    opts.url,
    conns,
    threads,
    Math.max(1, Math.round(opts.durationSeconds)),
  );
  const seconds = s.durationUs / 1e6;
  const ok = s.requests - s.status;
  return {
    load: {
      durationSeconds: seconds,
      requests: s.requests,
      ok,
      non2xx: s.status,
      errors: s.connect + s.read + s.write,
      timeouts: s.timeout,
      statusCodes: {},
      reqPerSec: ok / seconds,
      // wrk's latency covers every answer (2xx or not); µs → ms.
      p50: s.p50 / 1000,
      p99: s.p99 / 1000,
      p999: s.p999 / 1000,
      max: s.max / 1000,
    },
    generator: usage,
  };
}
