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
  const run = spawnSync('bun', ['src/cli.ts', '--quick', '--dry'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(run.status, run.stderr).toBe(0);
  const suites = readdirSync(join(root, 'src', 'micro')).filter((f) => f.endsWith('.ts'));
  expect(suites.length).toBeGreaterThan(0);
  for (const file of suites) expect(run.stdout).toContain(`## ${file.replace(/\.ts$/, '')} `);
  const rows = run.stdout
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| figure') && !l.startsWith('| ---'));
  expect(rows.length).toBeGreaterThan(suites.length);
  for (const row of rows) expect(row, row).not.toMatch(/\| (NaN|Infinity|-Infinity) \|/);
  expect(run.stdout).not.toContain('results written to');
});

test('an unknown suite name is refused with the list of known ones', () => {
  const run = spawnSync('bun', ['src/cli.ts', 'no-such-suite', '--dry'], { cwd: root, encoding: 'utf8' });
  expect(run.status).toBe(2);
  expect(run.stderr).toContain('unknown suite(s): no-such-suite');
  expect(run.stderr).toContain('flow-balancer');
});
