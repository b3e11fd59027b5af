/**
 * The bench is never asserted on speed; this only proves every suite still runs end to end
 * (`--quick --dry`: smallest sizes, no results file) and prints finite figures.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';

const root = join(import.meta.dirname, '..');

test('every micro suite runs with --quick --dry and prints finite figures', () => {
  const suites = readdirSync(join(root, 'src', 'micro')).filter((f) => f.endsWith('.ts'));
  expect(suites.length).toBeGreaterThan(0);
  // Named, so the e2e suite (its own test below) does not run twice.
  const run = spawnSync(
    'bun',
    ['src/cli.ts', ...suites.map((f) => f.replace(/\.ts$/, '')), '--quick', '--dry'],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  expect(run.status, run.stderr).toBe(0);
  for (const file of suites) expect(run.stdout).toContain(`## ${file.replace(/\.ts$/, '')} `);
  const rows = run.stdout
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| figure') && !l.startsWith('| ---'));
  expect(rows.length).toBeGreaterThan(suites.length);
  for (const row of rows) expect(row, row).not.toMatch(/\| (NaN|Infinity|-Infinity) \|/);
  expect(run.stdout).not.toContain('results written to');
});

test('the e2e suite loads every setup with --quick --dry, prints its table and leaves no process behind', () => {
  const started = Date.now();
  const run = spawnSync('bun', ['src/cli.ts', 'e2e', '--quick', '--dry'], {
    cwd: root,
    encoding: 'utf8',
    // The suite caps itself at 80 s with --quick (skipping, by name, what would not fit); the rest
    // is start-up and the last setup's tail.
    timeout: 130_000,
  });
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  expect(Date.now() - started).toBeLessThan(130_000);
  expect(run.stdout).toContain('## e2e ');
  expect(run.stdout).toContain('| setup | req/s | req/s ÷ floor | req/s ÷ sdk | p50 ms |');
  // The suite keeps to a time budget: on a slow or busy machine it skips the last setups and
  // says so. Every setup either has its rows or is named as skipped; the first ones always run.
  const skipped = (setup: string) => run.stdout.includes(`- ${setup}: skipped (time budget)`);
  const setups = [
    'floor',
    'sdk',
    'switchyard builtin',
    'switchyard builtin 2026',
    'switchyard stdio ×1',
    'switchyard stdio ×2',
    'switchyard cpu-stdio ×1',
    'switchyard cpu-stdio ×2',
    'supergateway',
    'switchyard everything ×1',
    'switchyard everything 2026 ×1',
    'supergateway everything',
  ];
  for (const [i, setup] of setups.entries()) {
    if (i >= 3 && skipped(setup)) continue;
    const row = run.stdout
      .split('\n')
      .find((l) => l.startsWith(`| ${setup} | `) && !l.includes(' throughput '));
    expect(row, setup).toBeDefined();
    expect(row, row).not.toContain('error:');
    expect(run.stdout).toContain(`| ${setup} throughput |`);
  }
  // A gateway's CPU per call split by thread (main, compiler, the rest) on Linux.
  if (process.platform === 'linux' && !skipped('switchyard builtin')) {
    expect(run.stdout).toMatch(
      /switchyard builtin: CPU µs per call by thread: main \d+, compiler \d+, other \d+/,
    );
    expect(run.stdout).toContain('| switchyard builtin CPU per call, main thread |');
  }
  if (!skipped('switchyard cpu-stdio ×2')) expect(run.stdout).toContain('| cpu-stdio ×2 ÷ ×1 throughput |');
  if (!skipped('switchyard everything ×1') && !skipped('supergateway everything'))
    expect(run.stdout).toContain('| switchyard everything ×1 ÷ supergateway everything throughput |');
  // The generator is named (wrk, or autocannon with a note that wrk is missing) and checked at the floor.
  expect(run.stdout).toMatch(/load generator: (wrk|autocannon on node \(wrk is not installed)/);
  expect(run.stdout).toMatch(
    /Generator check: at the floor \([\d,]+ req\/s\) (wrk|autocannon) used \d+ % of a core/,
  );
  expect(run.stdout).toMatch(/\| floor throughput \|/);
  expect(run.stdout).toContain('| floor generator CPU |');
  // The backend's own pipe ceiling is measured before the first setup in front of that backend.
  expect(run.stdout).toContain('| baseline | calls/s | ÷ floor req/s | p50 ms | p99 ms |');
  for (const [backend, setup] of [
    ['fixture', 'switchyard stdio ×1'],
    ['everything', 'switchyard everything ×1'],
  ] as const) {
    if (skipped(setup)) continue;
    const row = run.stdout.split('\n').find((l) => l.startsWith(`| backend pipe ceiling (${backend}) | `));
    expect(row, backend).toBeDefined();
    expect(row, row).toMatch(/^\| backend pipe ceiling \(\w+\) \| [\d,]+ \| [\d.]+× \|/);
    expect(run.stdout).toContain(`| backend pipe ceiling (${backend}) throughput |`);
    expect(run.stdout).toContain(`| ${setup} ÷ min(floor, pipe ceiling) throughput |`);
  }
  // The c1 latency row: one connection, sequential calls, for the floor, the module and the stdio path.
  expect(run.stdout).toContain(
    '| setup (c1: one connection, sequential calls) | req/s | p50 ms | p50 ÷ floor p50 |',
  );
  for (const setup of ['floor', 'switchyard builtin', 'switchyard stdio ×1']) {
    if (skipped(setup)) continue;
    expect(run.stdout, setup).toMatch(new RegExp(`\\| ${setup} c1 \\| [\\d,]+ \\| [\\d.]+ \\| [\\d.]+× \\|`));
    expect(run.stdout).toContain(`| ${setup} c1 latency p50 |`);
  }
  // The issue-18 targets, each with a measured ratio or named as not measured.
  expect(run.stdout).toContain('| target (issue 18) | measured | wanted | met |');
  expect(run.stdout).toMatch(
    /\| module path \(switchyard builtin\) req\/s ÷ floor, c64 \| [\d.]+× \| ≥ 0\.6× \| (yes|no) \|/,
  );
  if (!skipped('switchyard everything 2026 ×1'))
    expect(run.stdout).toContain('| switchyard everything 2026 ×1 ÷ 2025 throughput |');
  expect(run.stdout).not.toMatch(/\| (NaN|Infinity|-Infinity) \|/);
  expect(run.stdout).not.toContain('results written to');
  // Its own servers and load generators are gone (the gateways' backends are checked by the suite).
  const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
  expect(ps).not.toContain(join(root, 'src', 'e2e'));
});

/** Runs one registered suite with --quick --dry; checks its own table, finite figures, no leftovers. */
function runSuite(name: string, timeoutMs: number, table: string): string {
  const run = spawnSync('bun', ['src/cli.ts', name, '--quick', '--dry'], {
    cwd: root,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  expect(run.stdout).toContain(`## ${name} `);
  expect(run.stdout).toContain(table);
  expect(run.stdout).not.toMatch(/\| (NaN|Infinity|-Infinity) \|/);
  expect(run.stdout).not.toContain('results written to');
  // No gateway, backend or load generator of this suite is left running.
  const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
  expect(ps).not.toContain(`switchyard-bench-${name}-`);
  expect(ps).not.toContain(join(root, 'src', 'e2e', 'driver.mjs'));
  return run.stdout;
}

test('the telemetry suite serves the module path with telemetry off and on, and the 100% gateway exports a span per call', () => {
  const out = runSuite(
    'telemetry',
    120_000,
    '| telemetry | best calls/s | best ÷ best off | median of rounds ÷ off |',
  );
  expect(out).toMatch(
    /\| module path calls\/s, telemetry on, sampled 100% \| [\d,.]+ \| ops\/s \| telemetry off \| [\d.]+× \|/,
  );
  expect(out).toMatch(/\| client spans exported ÷ calls served \(100%\) \| 1\.00 \|/);
  expect(out).toMatch(/\| failed calls \| 0\.00 \|/);
});

test('the tiers suite times hot, warm and cold sessions of both servers through the gateway', () => {
  const out = runSuite('tiers', 100_000, '| server | hot ms | warm ms | cold ms | warm ÷ hot | cold ÷ hot |');
  for (const server of ['stdio fixture', 'server-everything']) {
    for (const tier of ['hot', 'warm', 'cold']) expect(out).toContain(`| ${server} ${tier} median |`);
  }
});

test('the sessions suite opens and calls sessions without a failure, and times echo under dashboard streams', () => {
  const out = runSuite('sessions', 60_000, '| sessions | opened | called | sessions/s | calls/s |');
  expect(out).toContain('| 200 sessions opened |');
  expect(out).toMatch(/\| 200 sessions failures \| 0\.00 \|/);
  expect(out).toMatch(/\| 200 sessions echo p50 with 100 dashboard streams ÷ without \| \d/);
});

test('the restore suite restores every session after a SIGTERM restart and compares frequent journal touches with the default', () => {
  const out = runSuite(
    'restore',
    120_000,
    '| sessions | opened | restored | restore pass s | restore calls/s |',
  );
  expect(out).toMatch(
    /\| 200 sessions restore pass \| [\d,.]+ \| calls\/s \| the same calls, sessions held \| \d/,
  );
  expect(out).toMatch(/\| 200 sessions failures \| 0\.00 \|/);
  expect(out).toMatch(
    /\| calls\/s, 256 sessions, journal touches every 1 s \| [\d,.]+ \| calls\/s \| default sweep \(a minute\) \| \d/,
  );
  expect(out).toMatch(/\| hot path failures \| 0\.00 \|/);
});

test('the overload suite measures capacity and every load point with admission on and off', () => {
  const out = runSuite('overload', 120_000, '| admission | pacing | load | offered req/s | goodput 2xx/s |');
  expect(out).toContain('| capacity (closed loop, admission on) |');
  for (const mode of ['on', 'off'])
    for (const pacer of ['even', 'autocannon'])
      for (const m of [1, 2, 3]) expect(out).toContain(`| admission ${mode} ${pacer} ${m}× goodput |`);
});

test('the idle suite reads the idle RSS of the floor and of the gateway', () => {
  const out = runSuite('idle', 60_000, '| server | idle after start MB | idle after calls MB |');
  for (const server of ['floor', 'switchyard builtin'])
    for (const phase of ['idle RSS', 'RSS after calls']) expect(out).toContain(`| ${server} ${phase} |`);
  expect(out).toContain('| switchyard builtin − floor idle RSS |');
});

test('the openloop suite measures the capacity, then every step of the sweep on both targets', () => {
  const out = runSuite('openloop', 100_000, '| target | step | offered req/s | achieved 2xx/s |');
  expect(out).toContain('| switchyard builtin capacity (closed loop) |');
  for (const target of ['switchyard builtin', 'floor'])
    for (const step of [25, 50, 75, 100])
      for (const what of ['offered', 'achieved', 'p50', 'p99'])
        expect(out).toContain(`| ${target} ${step}% ${what} |`);
});

test('the journal-soak suite loads the gateway and reads its journal size against retention.maxBytes', () => {
  const out = runSuite(
    'journal-soak',
    60_000,
    '| limit MiB | calls | calls/s | peak MiB | peak ÷ limit | at stop ÷ limit | final ÷ limit |',
  );
  for (const figure of ['calls', 'peak size ÷ maxBytes', 'size at stop ÷ maxBytes', 'final size ÷ maxBytes'])
    expect(out).toContain(`| ${figure} |`);
  expect(out).toMatch(/\| failures \| 0\.00 \|/);
  // The journal keeps its file and WAL within maxBytes (retention runs as the writes go and every
  // second): once the load stops and a run has passed, the file is back under the limit. A generous
  // margin; the peak and the speed are the bench's to report, not this test's to bound.
  const final = Number(/\| final size ÷ maxBytes \| ([\d.,]+) \|/.exec(out)?.[1]?.replaceAll(',', ''));
  expect(Number.isFinite(final)).toBe(true);
  expect(final).toBeGreaterThan(0);
  expect(final).toBeLessThan(1.5);
});

/** Whether `xml` is well-formed as far as its tags go: every element closed, in order, one root. */
function wellFormed(xml: string): boolean {
  const stack: string[] = [];
  let roots = 0;
  for (const m of xml.matchAll(/<(\/?)([A-Za-z][\w:.-]*)((?:"[^"]*"|'[^']*'|[^'">])*?)(\/?)>/g)) {
    const [, close, name, , selfClose] = m;
    if (close) {
      if (stack.pop() !== name) return false;
    } else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name!);
    } else if (stack.length === 0) roots++;
  }
  return stack.length === 0 && roots === 1 && !/<(?![/A-Za-z?!])/.test(xml);
}

test('chart draws an SVG per chart whose suite the file has, and skips the others with a note', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-chart-'));
  try {
    const file = join(dir, '2026-01-01-abcdef0.json');
    const setups = ['floor', 'sdk', 'switchyard builtin'];
    writeFileSync(
      file,
      JSON.stringify({
        date: '2026-01-01',
        commit: 'abcdef0',
        results: {
          e2e: setups.flatMap((setup, i) => [
            { name: `${setup} throughput`, value: 1000 * (3 - i), unit: 'req/s' },
            { name: `${setup} latency p50`, value: 1 + i, unit: 'ms' },
          ]),
          tiers: ['stdio fixture', 'server-everything'].flatMap((server) =>
            ['hot', 'warm', 'cold'].map((tier, i) => ({
              name: `${server} ${tier} median`,
              value: 10 ** i,
              unit: 'ms',
              spread: 1,
            })),
          ),
          openloop: ['switchyard builtin', 'floor'].flatMap((target) =>
            [25, 50].flatMap((step) => [
              { name: `${target} ${step}% offered`, value: step * 10, unit: 'req/s' },
              { name: `${target} ${step}% p50`, value: step / 10, unit: 'ms' },
              { name: `${target} ${step}% p99`, value: step / 5, unit: 'ms' },
            ]),
          ),
          idle: [],
        },
      }),
    );
    const run = spawnSync('bun', ['src/cli.ts', 'chart', file], { cwd: root, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('overload-latency: skipped (no overload suite in');
    expect(run.stdout).toContain('idle-rss: skipped (idle: no');
    const out = join(dir, '2026-01-01-abcdef0');
    expect(readdirSync(out).sort()).toEqual([
      'e2e-throughput.svg',
      'openloop-latency.svg',
      'tiers-start.svg',
    ]);
    for (const name of readdirSync(out)) {
      const svg = readFileSync(join(out, name), 'utf8');
      expect(svg.startsWith('<svg'), name).toBe(true);
      expect(wellFormed(svg), name).toBe(true);
    }
    // One bar and one value label per setup, in the order the suite ran them.
    const bars = readFileSync(join(out, 'e2e-throughput.svg'), 'utf8');
    const rects = /<g class="mark-rect role-mark[^"]*"[^>]*>(.*?)<\/g>/.exec(bars)?.[1] ?? '';
    expect(rects.match(/<path /g)?.length).toBe(setups.length);
    for (const label of [...setups, '3,000', '2,000', '1,000']) expect(bars).toContain(`>${label}</text>`);
    // Six bars (2 servers × 3 tiers) and both servers in the legend.
    const tiers = readFileSync(join(out, 'tiers-start.svg'), 'utf8');
    const tierRects = /<g class="mark-rect role-mark[^"]*"[^>]*>(.*?)<\/g>/.exec(tiers)?.[1] ?? '';
    expect(tierRects.match(/<path /g)?.length).toBe(6);
    for (const label of ['stdio fixture', 'server-everything', 'hot', 'warm', 'cold'])
      expect(tiers).toContain(`>${label}</text>`);
    // Four lines (2 targets × p50 / p99, one line mark each) and eight points.
    const lines = readFileSync(join(out, 'openloop-latency.svg'), 'utf8');
    expect(lines.match(/<g class="mark-line role-mark/g)?.length).toBe(4);
    const points = /<g class="mark-symbol role-mark[^"]*"[^>]*>(.*?)<\/g>/.exec(lines)?.[1] ?? '';
    expect(points.match(/<path /g)?.length).toBe(8);

    const missing = spawnSync('bun', ['src/cli.ts', 'chart', join(dir, 'nope.json')], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('nope.json: cannot read it');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compare prints the figures of both files with B ÷ A, and refuses an unknown file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-compare-'));
  try {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(
      a,
      JSON.stringify({
        date: '2026-01-01',
        commit: 'aaaaaaa',
        results: {
          s: [
            { name: 'x', value: 10, unit: 'ms' },
            { name: 'only in a', value: 1, unit: 'ms' },
          ],
        },
      }),
    );
    writeFileSync(
      b,
      JSON.stringify({
        date: '2026-01-02',
        commit: 'bbbbbbb',
        results: { s: [{ name: 'x', value: 25, unit: 'ms' }], t: [{ name: 'y', value: 1, unit: 's' }] },
      }),
    );
    const ok = spawnSync('bun', ['src/cli.ts', 'compare', a, b], { cwd: root, encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(
      '| suite | figure | unit | A (2026-01-01 aaaaaaa) | B (2026-01-02 bbbbbbb) | B ÷ A |',
    );
    expect(ok.stdout).toContain('| s | x | ms | 10.0 | 25.0 | 2.50× |');
    expect(ok.stdout).not.toContain('only in a');
    expect(ok.stdout).not.toContain('| t |');

    const missing = spawnSync('bun', ['src/cli.ts', 'compare', a, join(dir, 'nope.json')], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('nope.json: cannot read it');

    writeFileSync(join(dir, 'bad.json'), '{"no":"results"}');
    const bad = spawnSync('bun', ['src/cli.ts', 'compare', join(dir, 'bad.json'), b], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('not a bench results file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unknown suite name is refused with the list of known ones', () => {
  const run = spawnSync('bun', ['src/cli.ts', 'no-such-suite', '--dry'], { cwd: root, encoding: 'utf8' });
  expect(run.status).toBe(2);
  expect(run.stderr).toContain('unknown suite(s): no-such-suite');
  expect(run.stderr).toContain('flow-balancer');
});
