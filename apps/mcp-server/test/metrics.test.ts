/**
 * `/metrics` over a real gateway: the repo's stdio fixture as a real process behind the real HTTP
 * front door, an SDK v1 client making real calls, and the exposition text parsed back.
 */
import { join } from 'node:path';
import { createJournal, sqliteDriver } from '@switchyard/journal';
import { describe, expect, it } from 'vitest';
import { createMetrics, type GatewayMetrics, REFUSAL_REASONS } from '../src/metrics/metrics.ts';
import { connectClient, FIXTURE, fixtureEntry, startInProcess, tempDir } from './support/gateway.ts';

// ── a small parser of the Prometheus text exposition format (0.0.4) ──────────────────────────

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Exposition {
  types: Map<string, string>;
  samples: Sample[];
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq === -1 || text[eq + 1] !== '"') throw new Error(`bad labels in: ${line}`);
    const key = text.slice(i, eq).trim();
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(key)) throw new Error(`bad label name ${key} in: ${line}`);
    let value = '';
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        const next = text[++j];
        value += next === 'n' ? '\n' : next;
      } else value += text[j];
    }
    if (j >= text.length) throw new Error(`unterminated label value in: ${line}`);
    if (key in labels) throw new Error(`label ${key} twice in: ${line}`);
    labels[key] = value;
    i = j + 1;
    if (text[i] === ',') i++;
  }
  return labels;
}

function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (m) types.set(m[1]!, m[2]!);
      else if (!line.startsWith('# HELP ')) throw new Error(`bad comment line: ${line}`);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const raw = m[3]!;
    // Prometheus reads floats as Go's strconv.ParseFloat does: NaN and Inf in any case.
    const special = raw.toLowerCase();
    const value = /^[+-]?inf$/.test(special)
      ? special.startsWith('-')
        ? -Infinity
        : Infinity
      : special === 'nan'
        ? NaN
        : Number(raw);
    if (Number.isNaN(value) && special !== 'nan') throw new Error(`bad value in: ${line}`);
    samples.push({ name: m[1]!, labels: m[2] ? parseLabels(m[2], line) : {}, value });
  }
  return { types, samples };
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** The value of the one sample with exactly these labels; undefined when there is none. */
function sampleValue(e: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = e.samples.filter((s) => s.name === name && sameLabels(s.labels, labels));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

/** All samples of `name` whose labels include `labels`. */
function samplesOf(e: Exposition, name: string, labels: Record<string, string> = {}): Sample[] {
  return e.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}

async function scrape(metrics: GatewayMetrics): Promise<Exposition> {
  const response = await metrics.response();
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe(metrics.registry.contentType);
  return parseExposition(await response.text());
}

function textOf(result: unknown): string {
  return (result as { content: { text: string }[] }).content.map((c) => c.text).join('');
}

// ── the tests ───────────────────────────────────────────────────────────────────────────────

describe('the exposition parser', () => {
  it('reads labels with escapes and refuses malformed lines', () => {
    const e = parseExposition('# TYPE a counter\na{x="1",y="q\\"u\\\\o\\nte"} 2\nb 3.5\n');
    expect(e.types.get('a')).toBe('counter');
    expect(sampleValue(e, 'a', { x: '1', y: 'q"u\\o\nte' })).toBe(2);
    expect(sampleValue(e, 'a', { x: '1' })).toBeUndefined();
    expect(sampleValue(e, 'b')).toBe(3.5);
    expect(() => parseExposition('a{x=1} 2')).toThrow(/bad labels/);
    expect(() => parseExposition('a 2 3 4')).toThrow(/bad sample/);
    expect(() => parseExposition('a two')).toThrow(/bad value/);
    expect(sampleValue(parseExposition('a Nan\nb +Inf'), 'a')).toBeNaN();
    expect(sampleValue(parseExposition('a Nan\nb +Inf'), 'b')).toBe(Infinity);
  });
});

describe('gateway metrics', () => {
  it('counts real MCP calls and reads the backends’ state at scrape time', async () => {
    const { url, gateway } = await startInProcess({
      mcpServers: { fx: fixtureEntry('fx', { tier: 'hot' }) },
    });
    let clock = gateway.startedAt + 42_000;
    const metrics = createMetrics(gateway, { now: () => clock });
    try {
      const client = await connectClient(url);
      expect(textOf(await client.callTool({ name: 'fx__echo', arguments: { text: 'hi' } }))).toBe('hi');
      await expect(client.callTool({ name: 'nope__tool', arguments: {} })).rejects.toThrow(/Unknown tool/);

      const e = await scrape(metrics);
      expect(e.types.get('switchyard_requests_total')).toBe('counter');
      expect(e.types.get('switchyard_request_duration_seconds')).toBe('histogram');
      expect(e.types.get('switchyard_workers')).toBe('gauge');
      expect(e.types.get('switchyard_worker_starts_total')).toBe('counter');

      const calls = { method: 'tools/call', backend: 'fx' };
      expect(sampleValue(e, 'switchyard_requests_total', { ...calls, outcome: 'ok' })).toBe(1);
      expect(sampleValue(e, 'switchyard_requests_total', { ...calls, outcome: 'rejected' })).toBeUndefined();
      expect(
        sampleValue(e, 'switchyard_requests_total', {
          method: 'tools/call',
          backend: '',
          outcome: 'rejected',
        }),
      ).toBe(1);
      expect(
        sampleValue(e, 'switchyard_requests_total', { method: 'initialize', backend: '', outcome: 'ok' }),
      ).toBe(1);

      expect(sampleValue(e, 'switchyard_request_duration_seconds_count', calls)).toBe(1);
      expect(sampleValue(e, 'switchyard_request_duration_seconds_sum', calls)).toBeGreaterThan(0);
      const buckets = samplesOf(e, 'switchyard_request_duration_seconds_bucket', calls);
      expect(buckets.map((b) => b.labels.le)).toEqual([
        '0.001',
        '0.0025',
        '0.005',
        '0.01',
        '0.025',
        '0.05',
        '0.1',
        '0.25',
        '0.5',
        '1',
        '2.5',
        '5',
        '10',
        '30',
        '60',
        '+Inf',
      ]);
      expect(buckets.at(-1)?.value).toBe(1);
      for (let i = 1; i < buckets.length; i++)
        expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);

      expect(sampleValue(e, 'switchyard_sessions')).toBe(1);
      expect(sampleValue(e, 'switchyard_requests_in_flight')).toBe(0);
      expect(sampleValue(e, 'switchyard_uptime_seconds')).toBe(42);

      const fx = { backend: 'fx', tier: 'hot' };
      expect(sampleValue(e, 'switchyard_workers', { ...fx, state: 'ready' })).toBe(1);
      expect(sampleValue(e, 'switchyard_workers', { ...fx, state: 'starting' })).toBe(0);
      expect(sampleValue(e, 'switchyard_workers', { ...fx, state: 'stopping' })).toBe(0);
      expect(sampleValue(e, 'switchyard_workers', { ...fx, state: 'leased' })).toBe(0);
      expect(sampleValue(e, 'switchyard_workers', { ...fx, state: 'spare' })).toBe(0);
      expect(sampleValue(e, 'switchyard_backend_up', { backend: 'fx' })).toBe(1);
      // The fixture's process, measured (VmRSS) as it became ready: what the budget counts.
      const fxStats = gateway.manager.stats().backends.fx!;
      expect(fxStats.measuredWorkers).toBe(1);
      expect(sampleValue(e, 'switchyard_backend_memory_bytes', { backend: 'fx' })).toBe(
        fxStats.memoryMb * 1024 * 1024,
      );
      expect(fxStats.memoryMb).toBeGreaterThan(0);
      expect(sampleValue(e, 'switchyard_worker_starts_total', fx)).toBe(1);
      expect(sampleValue(e, 'switchyard_worker_starts_total', { backend: 'fx', tier: 'warm' })).toBe(0);
      expect(sampleValue(e, 'switchyard_worker_start_failures_total', { backend: 'fx' })).toBe(0);
      expect(sampleValue(e, 'switchyard_worker_crashes_total', { backend: 'fx' })).toBe(0);
      expect(sampleValue(e, 'switchyard_evictions_total', { backend: 'fx' })).toBe(0);
      for (const quantile of ['0.5', '0.9', '0.99']) {
        expect(
          sampleValue(e, 'switchyard_backend_start_seconds', { backend: 'fx', quantile }),
        ).toBeGreaterThan(0);
      }
      expect(sampleValue(e, 'switchyard_admission_in_flight', { backend: 'fx' })).toBe(0);
      expect(sampleValue(e, 'switchyard_admission_queued', { backend: 'fx' })).toBe(0);
      expect(sampleValue(e, 'switchyard_admission_limit', { backend: 'fx' })).toBeGreaterThan(0);

      // Default process metrics work under Bun.
      expect(sampleValue(e, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(sampleValue(e, 'process_resident_memory_bytes')).toBeGreaterThan(0);

      // Scrape-time figures follow the gateway; counters kept elsewhere are not double counted.
      clock += 1_000;
      await client.close();
      const again = await scrape(metrics);
      expect(sampleValue(again, 'switchyard_uptime_seconds')).toBe(43);
      expect(sampleValue(again, 'switchyard_worker_starts_total', fx)).toBe(1);
      expect(sampleValue(again, 'switchyard_requests_total', { ...calls, outcome: 'ok' })).toBe(1);

      // After close, calls are no longer counted.
      metrics.close();
      const other = await connectClient(url);
      await other.callTool({ name: 'fx__echo', arguments: { text: 'after' } });
      const closed = await scrape(metrics);
      expect(sampleValue(closed, 'switchyard_requests_total', { ...calls, outcome: 'ok' })).toBe(1);
      // Scrape-time gauges still follow (the SDK's close sends no DELETE: both sessions are open).
      expect(sampleValue(closed, 'switchyard_sessions')).toBe(2);
    } finally {
      metrics.close();
    }
  });

  it('counts a crashed worker and an errored call against its backend', async () => {
    const { url, gateway } = await startInProcess({
      mcpServers: {
        fx: { command: process.execPath, args: [FIXTURE, '--name', 'fx', '--crash-on', 'boom'], tier: 'hot' },
      },
    });
    const metrics = createMetrics(gateway, { processMetrics: false });
    try {
      const client = await connectClient(url);
      // `remember` is not read-only, so the gateway does not retry it: one crash.
      const result = await client
        .callTool({ name: 'fx__remember', arguments: { key: 'k', value: 'boom' } })
        .then((r) => (r.isError ? 'error' : 'ok'))
        .catch(() => 'error');
      expect(result).toBe('error');
      const e = await scrape(metrics);
      expect(sampleValue(e, 'switchyard_worker_crashes_total', { backend: 'fx' })).toBe(1);
      const fxCalls = samplesOf(e, 'switchyard_requests_total', { method: 'tools/call', backend: 'fx' });
      expect(fxCalls).toHaveLength(1);
      expect(fxCalls[0]!.labels.outcome).not.toBe('ok');
      expect(fxCalls[0]!.value).toBe(1);
      // Without processMetrics, no process_* series.
      expect(e.samples.some((s) => s.name.startsWith('process_'))).toBe(false);
    } finally {
      metrics.close();
    }
  });

  it('reports a hot backend that failed to start as down', async () => {
    const { gateway } = await startInProcess({
      mcpServers: {
        fx: fixtureEntry('fx', { tier: 'hot' }),
        broken: { command: process.execPath, args: [FIXTURE, '--exit-at-start'], tier: 'hot' },
      },
    });
    const metrics = createMetrics(gateway, { processMetrics: false });
    try {
      const e = await scrape(metrics);
      expect(sampleValue(e, 'switchyard_backend_up', { backend: 'fx' })).toBe(1);
      expect(sampleValue(e, 'switchyard_backend_up', { backend: 'broken' })).toBe(0);
      expect(sampleValue(e, 'switchyard_workers', { backend: 'broken', tier: 'hot', state: 'ready' })).toBe(
        0,
      );
      expect(sampleValue(e, 'switchyard_worker_start_failures_total', { backend: 'broken' })).toBeGreaterThan(
        0,
      );
      expect(samplesOf(e, 'switchyard_backend_start_seconds', { backend: 'broken' })).toEqual([]);
    } finally {
      metrics.close();
    }
  });

  it('counts HTTP requests by route and status, and refusals by reason', async () => {
    const { gateway } = await startInProcess({ mcpServers: { fx: fixtureEntry('fx', { tier: 'hot' }) } });
    const metrics = createMetrics(gateway, { processMetrics: false });
    try {
      const before = await scrape(metrics);
      expect(before.types.get('switchyard_http_requests_total')).toBe('counter');
      expect(samplesOf(before, 'switchyard_http_requests_total')).toEqual([]);
      for (const reason of ['overload', 'rate-limit', 'auth', 'origin']) {
        expect(sampleValue(before, 'switchyard_admissions_refused_total', { reason })).toBe(0);
      }

      metrics.observeHttp('mcp', 200);
      metrics.observeHttp('mcp', 200);
      metrics.observeHttp('mcp', 503);
      metrics.observeHttp('metrics', 200);
      metrics.observeHttp('sideways' as never, 404);
      metrics.observeRefusal('overload');
      metrics.observeRefusal('auth');
      metrics.observeRefusal('auth');
      metrics.observeRefusal('bogus' as never);

      const e = await scrape(metrics);
      expect(sampleValue(e, 'switchyard_http_requests_total', { route: 'mcp', status: '200' })).toBe(2);
      expect(sampleValue(e, 'switchyard_http_requests_total', { route: 'mcp', status: '503' })).toBe(1);
      expect(sampleValue(e, 'switchyard_http_requests_total', { route: 'metrics', status: '200' })).toBe(1);
      expect(sampleValue(e, 'switchyard_http_requests_total', { route: 'other', status: '404' })).toBe(1);
      expect(samplesOf(e, 'switchyard_http_requests_total')).toHaveLength(4);
      expect(sampleValue(e, 'switchyard_admissions_refused_total', { reason: 'overload' })).toBe(1);
      expect(sampleValue(e, 'switchyard_admissions_refused_total', { reason: 'auth' })).toBe(2);
      expect(sampleValue(e, 'switchyard_admissions_refused_total', { reason: 'rate-limit' })).toBe(0);
      expect(samplesOf(e, 'switchyard_admissions_refused_total')).toHaveLength(REFUSAL_REASONS.length);
    } finally {
      metrics.close();
    }
  });

  it('records journal group commits reported by sqliteDriver({ onCommit })', async () => {
    const { gateway } = await startInProcess({ mcpServers: { fx: fixtureEntry('fx', { tier: 'hot' }) } });
    const metrics = createMetrics(gateway, { processMetrics: false });
    const dir = await tempDir();
    const journal = await createJournal({
      driver: sqliteDriver({ path: join(dir, 'metrics.db'), onCommit: metrics.observeCommit }),
    });
    try {
      const before = await scrape(metrics);
      expect(sampleValue(before, 'switchyard_journal_commits_total')).toBe(0);
      await journal.audit({
        method: 'tools/call',
        name: 'fx__echo',
        backend: 'fx',
        durationMs: 3,
        outcome: 'ok',
      });
      await journal.audit({ method: 'tools/list', durationMs: 1, outcome: 'ok' });
      await journal.flush();
      const e = await scrape(metrics);
      const commits = sampleValue(e, 'switchyard_journal_commits_total') ?? 0;
      expect(commits).toBeGreaterThanOrEqual(1);
      expect(sampleValue(e, 'switchyard_journal_committed_records_total')).toBe(2);
      expect(sampleValue(e, 'switchyard_journal_commit_duration_seconds_count')).toBe(commits);
    } finally {
      await journal.close();
      metrics.close();
    }
  });
});
