/**
 * The live dashboard: one self-contained HTML document (inline CSS and JS, nothing fetched but the
 * event stream) that follows `snapshot` events from `eventsPath` and renders the gateway's backends,
 * request figures and recent calls (with each call's trace id when telemetry recorded it).
 *
 * Every value from a snapshot reaches the page through `textContent` or an attribute value, never
 * through HTML parsing, and the headers in `DASHBOARD_PAGE_HEADERS` forbid any script or style but
 * the two inline blocks below (by hash), so a backend named `<img onerror=…>` is only text.
 */
import { createHash } from 'node:crypto';

export interface DashboardPageOptions {
  /** The event stream's path on the same origin, e.g. `/dashboard/events`. */
  eventsPath: string;
  /** The page's title and heading (default `Switchyard`). */
  title?: string;
}

const STYLE = `
:root {
  color-scheme: light dark;
  --bg: #f7f7f5;
  --panel: #ffffff;
  --text: #1d1f21;
  --muted: #6b6f76;
  --line: #e3e3df;
  --accent: #2f6f9f;
  --ok: #2e7d4f;
  --ok-bg: #e5f3ea;
  --warn: #8a5a00;
  --warn-bg: #fbf0d9;
  --bad: #b3261e;
  --bad-bg: #fbe4e2;
  --idle-bg: #eeeeea;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #16181b;
    --panel: #1e2125;
    --text: #e4e6e8;
    --muted: #9aa0a8;
    --line: #2e3238;
    --accent: #7fb3dc;
    --ok: #7ccf9a;
    --ok-bg: #1d3326;
    --warn: #e6c06b;
    --warn-bg: #3a3020;
    --bad: #f2a19a;
    --bad-bg: #43221f;
    --idle-bg: #2a2e33;
  }
}
* { box-sizing: border-box; }
body {
  margin: 0;
  background: var(--bg);
  color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif;
}
header, main { max-width: 1200px; margin: 0 auto; padding: 0 20px; }
header {
  display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 24px;
  padding-top: 20px; padding-bottom: 8px;
}
h1 { font-size: 20px; font-weight: 600; margin: 0; }
h2 { font-size: 13px; font-weight: 600; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0 0 10px; }
dl { margin: 0; }
dt { color: var(--muted); font-size: 12px; }
dd { margin: 0; font-variant-numeric: tabular-nums; }
.meta { display: flex; flex-wrap: wrap; gap: 4px 20px; }
.meta > div { display: flex; gap: 6px; align-items: baseline; }
.connection { margin: 0 0 0 auto; font-size: 13px; display: flex; align-items: center; gap: 6px; }
.connection::before {
  content: ""; width: 8px; height: 8px; border-radius: 50%; background: var(--muted);
}
.connection[data-state="live"]::before { background: var(--ok); }
.connection[data-state="reconnecting"]::before,
.connection[data-state="connecting"]::before { background: var(--warn); }
.connection[data-state="closed"]::before { background: var(--bad); }
section {
  background: var(--panel); border: 1px solid var(--line); border-radius: 10px;
  padding: 16px 18px; margin: 16px 0;
}
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(110px, 1fr)); gap: 12px; }
.figures dd { font-size: 22px; font-weight: 500; }
.figures dd[data-alert="true"] { color: var(--bad); }
.mismatch { color: var(--bad); font-weight: 600; }
.scroll { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { font-size: 12px; font-weight: 500; color: var(--muted); }
thead tr:first-child th { border-bottom: none; padding-bottom: 0; }
tbody tr:last-child td { border-bottom: none; }
td.num, th.num { text-align: right; }
td[data-field="failure"] { white-space: normal; color: var(--bad); max-width: 28em; overflow-wrap: anywhere; }
td[data-field="name"] { font-weight: 500; overflow-wrap: anywhere; }
td[data-field="session"], td[data-field="trace"] { color: var(--muted); font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 999px; background: var(--idle-bg); font-size: 12px; }
.pill[data-tone="ok"] { background: var(--ok-bg); color: var(--ok); }
.pill[data-tone="warn"] { background: var(--warn-bg); color: var(--warn); }
.pill[data-tone="bad"] { background: var(--bad-bg); color: var(--bad); }
.empty { color: var(--muted); margin: 4px 0 0; }
footer { max-width: 1200px; margin: 0 auto; padding: 0 20px 24px; color: var(--muted); font-size: 12px; }
`;

// Runs as a module (strict, after parsing). Reads its stream path from the meta tag, so this text —
// and its CSP hash — never changes. Data goes into the DOM with textContent / setAttribute only.
const SCRIPT = `
const $ = (id) => document.getElementById(id);
const eventsPath = document.querySelector('meta[name="switchyard-events"]').getAttribute('content');
const connection = $('connection');
const numbers = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const rates = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const DASH = '\\u2014';

let last = null;
let receivedAt = 0;
let live = false;
let source = null;
let retryDelay = 2000;
let retryTimer = null;

function setConnection(state, text) {
  live = state === 'live';
  connection.setAttribute('data-state', state);
  connection.textContent = text;
}

function text(value) {
  return value === null || value === undefined || value === '' ? DASH : String(value);
}
function count(value) {
  return typeof value === 'number' && Number.isFinite(value) ? numbers.format(value) : DASH;
}
function duration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return DASH;
  if (ms < 10) return ms.toFixed(1) + ' ms';
  if (ms < 1000) return Math.round(ms) + ' ms';
  if (ms < 60000) return (ms / 1000).toFixed(2) + ' s';
  return (ms / 60000).toFixed(1) + ' min';
}
function uptime(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return DASH;
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, '0');
  if (d > 0) return d + 'd ' + h + 'h';
  if (h > 0) return h + 'h ' + pad(m) + 'm';
  if (m > 0) return m + 'm ' + pad(s % 60) + 's';
  return (s % 60) + 's';
}
function clock(iso) {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return text(iso);
  return t.toLocaleTimeString(undefined, { hour12: false }) + '.' + String(t.getMilliseconds()).padStart(3, '0');
}
function tone(value) {
  const v = String(value).toLowerCase();
  if (/^(ok|ready|running|healthy)$/.test(v)) return 'ok';
  if (/^(starting|warming|draining|queued|stopping|idle|cancelled|degraded)$/.test(v)) return 'warn';
  if (/(fail|error|timeout|crash|rejected|refused|shed|open|dead)/.test(v)) return 'bad';
  return '';
}

function setText(cell, value) {
  if (cell.textContent !== value) cell.textContent = value;
}
function setPill(cell, value) {
  let pill = cell.firstElementChild;
  if (!pill) {
    pill = document.createElement('span');
    pill.className = 'pill';
    cell.replaceChildren(pill);
  }
  setText(pill, text(value));
  pill.setAttribute('data-tone', tone(value));
}

// Brings tbody's rows in line with items, reusing rows by position. Each column is
// [field, kind, value(item)], kind being 'text', 'num' or 'pill'.
function syncRows(tbody, items, testid, columns) {
  while (tbody.rows.length > items.length) tbody.deleteRow(-1);
  items.forEach((item, i) => {
    let row = tbody.rows[i];
    if (!row) {
      row = tbody.insertRow();
      row.setAttribute('data-testid', testid);
      for (const [field, kind] of columns) {
        const cell = row.insertCell();
        cell.setAttribute('data-field', field);
        if (kind === 'num') cell.className = 'num';
      }
    }
    columns.forEach(([, kind, value, title], j) => {
      const cell = row.cells[j];
      if (kind === 'pill') setPill(cell, value(item));
      else setText(cell, value(item));
      if (title) cell.title = title(item) || '';
    });
  });
}

const backendColumns = [
  ['name', 'text', (b) => text(b.name)],
  ['kind', 'text', (b) => text(b.kind)],
  ['runs', 'text', (b) => (b.runs ? String(b.runs).split('/').pop() : ''), (b) => (b.runs ? String(b.runs) : '')],
  ['era', 'text', (b) => text(b.era)],
  ['tier', 'text', (b) => text(b.tier)],
  ['state', 'pill', (b) => text(b.state)],
  ['workers-ready', 'num', (b) => count(b.workers && b.workers.ready)],
  ['workers-starting', 'num', (b) => count(b.workers && b.workers.starting)],
  ['workers-busy', 'num', (b) => count(b.workers && b.workers.busy)],
  ['in-flight', 'num', (b) => count(b.inFlight)],
  ['queued', 'num', (b) => count(b.queued)],
  ['restarts', 'num', (b) => count(b.restarts)],
  ['failure', 'text', (b) => (b.failure ? String(b.failure) : '')],
];
const callColumns = [
  ['time', 'text', (c) => clock(c.at), (c) => String(c.at)],
  ['method', 'text', (c) => text(c.method)],
  ['name', 'text', (c) => text(c.name)],
  ['backend', 'text', (c) => text(c.backend)],
  ['session', 'text', (c) => (c.session ? String(c.session).slice(0, 8) : DASH), (c) => (c.session ? String(c.session) : '')],
  ['outcome', 'pill', (c) => text(c.outcome)],
  ['duration', 'num', (c) => duration(c.durationMs)],
  ['trace', 'text', (c) => (c.traceId ? String(c.traceId) : DASH)],
];

function render(snap) {
  const requests = snap.requests || {};
  const backends = Array.isArray(snap.backends) ? snap.backends : [];
  const calls = Array.isArray(snap.recentCalls) ? snap.recentCalls.slice(0, 50) : [];

  setText($('version'), text(snap.version));
  setText($('updated'), clock(snap.at));
  tickUptime();

  const figures = $('requests');
  const figure = (field, value) => setText(figures.querySelector('[data-field="' + field + '"]'), value);
  figure('rate', typeof requests.ratePerSec === 'number' ? rates.format(requests.ratePerSec) + '/s' : DASH);
  figure('p50', requests.p50Ms == null ? DASH : duration(requests.p50Ms));
  figure('p90', requests.p90Ms == null ? DASH : duration(requests.p90Ms));
  figure('p99', requests.p99Ms == null ? DASH : duration(requests.p99Ms));
  figure('in-flight', count(requests.inFlight));
  figure('queued', count(requests.queued));
  figure('total', count(requests.total));
  figure('errors', count(requests.errors));
  figures.querySelector('[data-field="errors"]').setAttribute('data-alert', String(requests.errors > 0));

  syncRows($('backend-rows'), backends, 'backend-row', backendColumns);
  $('backends-empty').hidden = backends.length > 0;
  syncRows($('call-rows'), calls, 'call-row', callColumns);
  $('calls-empty').hidden = calls.length > 0;
  renderCluster(snap.cluster);
}

// The nodes of a cluster (only with switchyard.cluster): text only, whatever a node wrote.
function renderCluster(cluster) {
  const section = $('cluster');
  section.hidden = !cluster;
  if (!cluster) return;
  const nodes = Array.isArray(cluster.nodes) ? cluster.nodes : [];
  const mismatch = $('cluster-mismatch');
  mismatch.hidden = !cluster.mismatch;
  const list = $('cluster-nodes');
  list.replaceChildren(
    ...nodes.map((n) => {
      const item = document.createElement('li');
      item.setAttribute('data-testid', 'cluster-node');
      item.textContent = text(n.id) + (n.self ? ' (this node)' : '') + ' \u2014 ' + text(n.url) + ' \u2014 config ' + text(n.configHash);
      return item;
    }),
  );
}

function tickUptime() {
  if (!last) return;
  const ms = live ? last.uptimeMs + (performance.now() - receivedAt) : last.uptimeMs;
  setText($('uptime'), uptime(ms));
}
setInterval(tickUptime, 1000);

function connect() {
  retryTimer = null;
  setConnection('connecting', 'connecting\\u2026');
  source = new EventSource(eventsPath);
  source.addEventListener('open', () => {
    retryDelay = 2000;
    setConnection('live', 'live');
  });
  source.addEventListener('snapshot', (event) => {
    let snap;
    try {
      snap = JSON.parse(event.data);
    } catch {
      console.warn('dashboard: a snapshot was not JSON; keeping the last one');
      return;
    }
    if (!snap || typeof snap !== 'object') return;
    last = snap;
    receivedAt = performance.now();
    if (!live) setConnection('live', 'live');
    render(snap);
  });
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) {
      // The browser gave up (an HTTP error or a wrong content type): retry ourselves, backing off.
      source.close();
      setConnection('closed', 'disconnected \\u2014 retrying in ' + Math.round(retryDelay / 1000) + ' s');
      retryTimer = setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    } else {
      setConnection('reconnecting', 'reconnecting\\u2026');
    }
  });
}
window.addEventListener('pagehide', () => {
  if (retryTimer) clearTimeout(retryTimer);
  if (source) source.close();
});
connect();
`;

const FAVICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Cpath d='M2 4h7l5 4-5 4H2' fill='none' stroke='%232f6f9f' stroke-width='2'/%3E%3C/svg%3E";

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * Headers to send with the page. The Content-Security-Policy allows only the page's own inline
 * script and style (by hash), the event stream on the same origin and the inline icon.
 */
export const DASHBOARD_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': [
    "default-src 'none'",
    `script-src ${sha256(SCRIPT)}`,
    `style-src ${sha256(STYLE)}`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
};

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe inside an HTML element or a quoted attribute value. */
function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export function dashboardPage(options: DashboardPageOptions): string {
  const title = escapeHtml(options.title ?? 'Switchyard');
  const eventsPath = escapeHtml(options.eventsPath);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<meta name="switchyard-events" content="${eventsPath}">
<title>${title}</title>
<link rel="icon" href="${FAVICON}">
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>${title}</h1>
  <dl class="meta">
    <div><dt>Version</dt><dd id="version" data-testid="version">\u2014</dd></div>
    <div><dt>Uptime</dt><dd id="uptime" data-testid="uptime">\u2014</dd></div>
    <div><dt>Updated</dt><dd id="updated" data-testid="updated">\u2014</dd></div>
  </dl>
  <p id="connection" class="connection" data-testid="connection" data-state="connecting" role="status" aria-live="polite">connecting\u2026</p>
</header>
<main>
  <section aria-labelledby="requests-heading">
    <h2 id="requests-heading">Requests</h2>
    <dl id="requests" class="figures" data-testid="requests">
      <div><dt>Rate</dt><dd data-field="rate">\u2014</dd></div>
      <div><dt>p50</dt><dd data-field="p50">\u2014</dd></div>
      <div><dt>p90</dt><dd data-field="p90">\u2014</dd></div>
      <div><dt>p99</dt><dd data-field="p99">\u2014</dd></div>
      <div><dt>In flight</dt><dd data-field="in-flight">\u2014</dd></div>
      <div><dt>Queued</dt><dd data-field="queued">\u2014</dd></div>
      <div><dt>Total</dt><dd data-field="total">\u2014</dd></div>
      <div><dt>Errors</dt><dd data-field="errors">\u2014</dd></div>
    </dl>
  </section>
  <section aria-labelledby="backends-heading">
    <h2 id="backends-heading">Backends</h2>
    <div class="scroll">
      <table data-testid="backends">
        <thead>
          <tr>
            <th colspan="6"></th>
            <th colspan="3" class="num" scope="colgroup">Workers</th>
            <th colspan="4"></th>
          </tr>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Kind</th>
            <th scope="col">Runs</th>
            <th scope="col">Era</th>
            <th scope="col">Tier</th>
            <th scope="col">State</th>
            <th scope="col" class="num">Ready</th>
            <th scope="col" class="num">Starting</th>
            <th scope="col" class="num">Busy</th>
            <th scope="col" class="num">In flight</th>
            <th scope="col" class="num">Queued</th>
            <th scope="col" class="num">Restarts</th>
            <th scope="col">Failure</th>
          </tr>
        </thead>
        <tbody id="backend-rows"></tbody>
      </table>
    </div>
    <p id="backends-empty" class="empty" data-testid="backends-empty">No backends yet.</p>
  </section>
  <section id="cluster" aria-labelledby="cluster-heading" data-testid="cluster" hidden>
    <h2 id="cluster-heading">Cluster</h2>
    <p id="cluster-mismatch" class="mismatch" data-testid="cluster-mismatch" role="status" hidden>The nodes run different configurations.</p>
    <ul id="cluster-nodes"></ul>
  </section>
  <section aria-labelledby="calls-heading">
    <h2 id="calls-heading">Recent calls</h2>
    <div class="scroll">
      <table data-testid="calls">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Method</th>
            <th scope="col">Name</th>
            <th scope="col">Backend</th>
            <th scope="col">Session</th>
            <th scope="col">Outcome</th>
            <th scope="col" class="num">Duration</th>
            <th scope="col" title="The OpenTelemetry trace id of the call, when telemetry is on and it was sampled">Trace</th>
          </tr>
        </thead>
        <tbody id="call-rows"></tbody>
      </table>
    </div>
    <p id="calls-empty" class="empty" data-testid="calls-empty">No calls yet.</p>
  </section>
</main>
<footer>Updates live from the gateway; newest calls first, at most 50.</footer>
<script type="module">${SCRIPT}</script>
</body>
</html>
`;
}

/** The page as a `Response` with `DASHBOARD_PAGE_HEADERS`. */
export function dashboardResponse(options: DashboardPageOptions): Response {
  return new Response(dashboardPage(options), { status: 200, headers: DASHBOARD_PAGE_HEADERS });
}
