/**
 * `tooling/scripts/summarize-tests.ts`, the closing `N passed, N failed` line of `bun run test`:
 * a test file that failed to load has no failed test in vitest's JSON report, and still counts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runToEnd } from '../../../tooling/testing/run.ts';
import { tempDir } from './helpers.ts';

const SCRIPT = new URL('../../../tooling/scripts/summarize-tests.ts', import.meta.url).pathname;

async function report(root: string, workspace: string, content: unknown): Promise<void> {
  const dir = join(root, workspace, '.vitest');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'results.json'), JSON.stringify(content));
}

const counts = { numPendingTests: 0, numTodoTests: 0 };

describe('summarize-tests', () => {
  it('counts a test file that failed to load as a failure, naming it', async () => {
    const root = await tempDir();
    await report(root, 'packages/a', {
      ...counts,
      numPassedTests: 3,
      numFailedTests: 0,
      testResults: [
        {
          name: join(root, 'packages/a/test/ok.test.ts'),
          status: 'passed',
          message: '',
          assertionResults: [{ status: 'passed' }],
        },
        {
          name: join(root, 'packages/a/test/broken.test.ts'),
          status: 'failed',
          message: "Cannot find module './gone.ts' imported from broken.test.ts",
          assertionResults: [],
        },
      ],
    });
    await report(root, 'apps/b', {
      ...counts,
      numPassedTests: 1,
      numFailedTests: 1,
      testResults: [
        {
          name: join(root, 'apps/b/test/x.test.ts'),
          status: 'failed',
          message: '',
          assertionResults: [{ status: 'passed' }, { status: 'failed' }],
        },
      ],
    });
    const run = await runToEnd([process.execPath, SCRIPT, root], { env: { PATH: process.env.PATH ?? '' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('packages/a: 3 passed, 0 failed, 1 file(s) failed outside a test');
    expect(run.stdout).toContain("test/broken.test.ts: Cannot find module './gone.ts'");
    // The failed test of apps/b is counted once, not again as a failed file.
    expect(run.stdout.trim().split('\n').at(-1)).toBe('4 passed, 2 failed');
  });

  it('a green run says 0 failed and exits 0', async () => {
    const root = await tempDir();
    await report(root, 'packages/a', {
      ...counts,
      numPassedTests: 2,
      numFailedTests: 0,
      testResults: [
        { name: 'a.test.ts', status: 'passed', message: '', assertionResults: [{ status: 'passed' }] },
      ],
    });
    const run = await runToEnd([process.execPath, SCRIPT, root], { env: { PATH: process.env.PATH ?? '' } });
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n').at(-1)).toBe('2 passed, 0 failed');
  });
});
