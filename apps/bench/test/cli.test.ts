/**
 * The bench is never asserted on speed; this only proves every suite still runs end to end
 * (`--quick --dry`: smallest sizes, no results file) and prints finite figures.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
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
    timeout: 90_000,
  });
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  expect(Date.now() - started).toBeLessThan(90_000);
  expect(run.stdout).toContain('## e2e ');
  expect(run.stdout).toContain('| setup | req/s | req/s ÷ floor | req/s ÷ sdk | p50 ms |');
  for (const setup of [
    'floor',
    'sdk',
    'switchyard builtin',
    'switchyard stdio ×1',
    'switchyard stdio ×2',
    'supergateway',
  ]) {
    const row = run.stdout
      .split('\n')
      .find((l) => l.startsWith(`| ${setup} | `) && !l.includes(' throughput '));
    expect(row, setup).toBeDefined();
    expect(row, row).not.toContain('error:');
    expect(run.stdout).toContain(`| ${setup} throughput |`);
  }
  expect(run.stdout).not.toMatch(/\| (NaN|Infinity|-Infinity) \|/);
  expect(run.stdout).not.toContain('results written to');
  // Its own servers and load generators are gone (the gateways' backends are checked by the suite).
  const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
  expect(ps).not.toContain(join(root, 'src', 'e2e'));
});

test('an unknown suite name is refused with the list of known ones', () => {
  const run = spawnSync('bun', ['src/cli.ts', 'no-such-suite', '--dry'], { cwd: root, encoding: 'utf8' });
  expect(run.status).toBe(2);
  expect(run.stderr).toContain('unknown suite(s): no-such-suite');
  expect(run.stderr).toContain('flow-balancer');
});
