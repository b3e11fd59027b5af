/**
 * Sums the vitest JSON reports of every workspace into the plain closing line CI reads:
 * `N passed, N failed`. A test file that failed without a failed test — it did not load (a bad
 * import, a syntax error) or a hook outside the tests failed — counts as one failure, named; so
 * does a workspace task that failed without a report (a typecheck or lint error), so a red run
 * can never print `0 failed`.
 *
 * `bun tooling/scripts/summarize-tests.ts [root]`: root defaults to the repository's.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults?: {
    name: string;
    status: string;
    message?: string;
    assertionResults?: { status: string }[];
  }[];
}

const root = process.argv[2] ?? join(import.meta.dir, '..', '..');
let passed = 0;
let failed = 0;
let skipped = 0;
for (const group of ['packages', 'apps', 'tooling']) {
  const dir = join(root, group);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir).sort()) {
    const report = join(dir, name, '.vitest', 'results.json');
    if (!existsSync(report)) continue;
    const r = JSON.parse(readFileSync(report, 'utf8')) as VitestReport;
    // Files that failed on their own: no failed test of theirs says so.
    const brokenFiles = (r.testResults ?? []).filter(
      (file) => file.status === 'failed' && !(file.assertionResults ?? []).some((a) => a.status === 'failed'),
    );
    passed += r.numPassedTests;
    failed += r.numFailedTests + brokenFiles.length;
    skipped += r.numPendingTests + r.numTodoTests;
    const broken = brokenFiles.length ? `, ${brokenFiles.length} file(s) failed outside a test` : '';
    console.log(`${group}/${name}: ${r.numPassedTests} passed, ${r.numFailedTests} failed${broken}`);
    for (const file of brokenFiles) {
      const why = (file.message ?? '').split('\n')[0] || 'no message';
      console.log(`  ${relative(join(dir, name), file.name)}: ${why}`);
    }
  }
}
const turboStatus = Number(process.env.TURBO_STATUS ?? '0');
if (turboStatus !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
