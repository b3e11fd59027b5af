/**
 * The e2e suite's load generator, run with `node` in its own process so it never shares an event
 * loop with the server it loads: `node driver.mjs '<json options>'`.
 *
 * Options: { url, body, headers, connections, warmupSeconds, durationSeconds, overallRate?,
 * headersPerConnection? }; `[<id>]` in body is replaced by a unique id for every request.
 * `headersPerConnection` (a list) adds entry k mod n to the headers of connection k (with `even`
 * pacing: of request k), e.g. an affinity key per connection. Closed loop:
 * `connections` keep-alive connections, each sending the next POST as soon as its answer arrives;
 * with `overallRate` (requests per second across all connections) autocannon paces the requests
 * instead: each connection sends its share of the second's requests at once when the second starts,
 * so the load comes in bursts once a second. With `pace: "even"` autocannon is not used: node's
 * `http` (keep-alive, up to 512 connections) sends one request every 1/overallRate s whatever the
 * answers (open loop, evenly paced; latency counted from when each request was due), with the same
 * result line.
 * A warm-up run (figures dropped) comes first; then it prints the line `warm`, runs the measured
 * pass and prints one JSON line: autocannon's counts plus latency percentiles (ms) computed from
 * every 2xx answer's own time (autocannon's histogram keeps whole milliseconds only).
 */
import http from 'node:http';
import autocannon from 'autocannon';

const opts = JSON.parse(process.argv[2] ?? '{}');
const perConnection = opts.headersPerConnection ?? [];
/** The headers of connection (or request) k. */
const headersFor = (k) =>
  perConnection.length ? { ...opts.headers, ...perConnection[k % perConnection.length] } : opts.headers;

let run = function autocannonRun(seconds, latencies) {
  let connection = 0;
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
        ...(opts.overallRate > 0 ? { overallRate: opts.overallRate } : {}),
        ...(perConnection.length
          ? { setupClient: (client) => client.setHeaders(headersFor(connection++)) }
          : {}),
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    if (latencies) {
      instance.on('response', (_client, statusCode, _bytes, ms) => {
        if (statusCode >= 200 && statusCode < 300) latencies.push(ms);
      });
    }
  });
};

function pct(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
}

/** Keep-alive connections for the paced mode: as many as the answers outstanding need, up to 512. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

/** One POST on `agent`; resolves with the status once the whole answer is read. */
function post(url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Evenly paced open loop: request k is due at start + k / rate and is sent then (at the next 1 ms
 * tick), answered or not, on node's `http` with keep-alive connections. Its latency runs from when it
 * was due, so a generator that falls behind shows as latency, not as a lower rate.
 */
async function paced(seconds, latencies) {
  const statusCodes = {};
  let requests = 0;
  let ok = 0;
  let errors = 0;
  let timeouts = 0;
  let id = 0;
  const pending = new Set();
  const send = (due) => {
    const headers = headersFor(id);
    const body = opts.body.replaceAll('[<id>]', `p${process.pid}-${id++}`);
    requests++;
    const p = post(opts.url, headers, body)
      .then((status) => {
        statusCodes[status] = (statusCodes[status] ?? 0) + 1;
        if (status >= 200 && status < 300) {
          ok++;
          latencies?.push(performance.now() - due);
        }
      })
      .catch((e) => {
        if (e?.name === 'TimeoutError') timeouts++;
        else errors++;
      })
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  const start = performance.now();
  const end = start + seconds * 1000;
  const interval = 1000 / opts.overallRate;
  let sent = 0;
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - start) / 1000) * opts.overallRate);
    while (sent < due) {
      send(start + sent * interval);
      sent++;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  return {
    duration: seconds,
    requests: { total: requests },
    '2xx': ok,
    non2xx: requests - ok - errors - timeouts,
    errors,
    timeouts,
    statusCodeStats: Object.fromEntries(Object.entries(statusCodes).map(([k, v]) => [k, { count: v }])),
  };
}

if (opts.pace === 'even') run = paced;
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
