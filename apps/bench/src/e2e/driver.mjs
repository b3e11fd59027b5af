/**
 * The e2e suite's load generator, run with `node` in its own process so it never shares an event
 * loop with the server it loads: `node driver.mjs '<json options>'`.
 *
 * Options: { url, body, headers, connections, warmupSeconds, durationSeconds }; `[<id>]` in body
 * is replaced by a unique id for every request. Closed loop:
 * `connections` keep-alive connections, each sending the next POST as soon as its answer arrives.
 * A warm-up run (figures dropped) comes first; then it prints the line `warm`, runs the measured
 * pass and prints one JSON line: autocannon's counts plus latency percentiles (ms) computed from
 * every 2xx answer's own time (autocannon's histogram keeps whole milliseconds only).
 */
import autocannon from 'autocannon';

const opts = JSON.parse(process.argv[2] ?? '{}');

function run(seconds, latencies) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: opts.url,
        method: 'POST',
        body: opts.body,
        headers: opts.headers,
        connections: opts.connections,
        duration: seconds,
        timeout: 10,
        // Every `[<id>]` in the body becomes a fresh id per request: JSON-RPC ids must not repeat
        // within a session, and a gateway that maps answers back by id cannot serve 32 calls all `id: 1`.
        idReplacement: true,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    if (latencies) {
      instance.on('response', (_client, statusCode, _bytes, ms) => {
        if (statusCode >= 200 && statusCode < 300) latencies.push(ms);
      });
    }
  });
}

function pct(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
}

if (opts.warmupSeconds > 0) await run(opts.warmupSeconds);
process.stdout.write('warm\n');
const latencies = [];
const r = await run(opts.durationSeconds, latencies);
const sorted = Float64Array.from(latencies).sort();
const statusCodes = Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v.count]));
process.stdout.write(
  `${JSON.stringify({
    durationSeconds: r.duration,
    requests: r.requests.total,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes,
    reqPerSec: r['2xx'] / r.duration,
    p50: pct(sorted, 0.5),
    p99: pct(sorted, 0.99),
    p999: pct(sorted, 0.999),
    max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
  })}\n`,
);
