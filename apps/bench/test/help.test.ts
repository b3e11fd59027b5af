/**
 * The bench's own help: `--help` / `-h` print the usage and exit 0 at once, running no suite and
 * writing nothing; an unknown option or suite is exit 2 with the usage on stderr.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';

const root = join(import.meta.dirname, '..');
const resultsDir = join(root, 'results');

/** Every file under results/ with its size and modification time. */
function resultsState(): string[] {
  return readdirSync(resultsDir, { recursive: true, encoding: 'utf8' })
    .map((f) => {
      const s = statSync(join(resultsDir, f));
      return `${f} ${s.size} ${s.mtimeMs}`;
    })
    .sort();
}

function bench(args: string[]) {
  // A run of any suite takes far longer than this: a timeout here means a suite ran.
  return spawnSync('bun', ['src/cli.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 20_000 });
}

test('--help and -h print the usage and exit 0, running no suite and writing no results', () => {
  const before = resultsState();
  for (const args of [['--help'], ['-h'], ['e2e', '--quick', '-h'], ['compare', '--help']]) {
    const run = bench(args);
    expect(run.status, `${args.join(' ')}: ${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^Usage: bun src\/cli\.ts \[suite …\]/);
    expect(run.stdout).toContain('Suites: ');
    for (const suite of ['e2e', 'tiers', 'journal', 'flow-balancer']) expect(run.stdout).toContain(suite);
    expect(run.stdout).not.toContain('## ');
    expect(run.stderr).toBe('');
  }
  expect(resultsState()).toEqual(before);
});

test('an unknown option or suite exits 2 with the usage on stderr', () => {
  const before = resultsState();
  for (const [args, message] of [
    [['--bogus'], "Unknown option '--bogus'"],
    [['nosuch', '--dry'], 'unknown suite(s): nosuch'],
  ] as const) {
    const run = bench([...args]);
    expect(run.status, args.join(' ')).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('Usage: bun src/cli.ts');
  }
  expect(resultsState()).toEqual(before);
});
