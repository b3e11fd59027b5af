/**
 * The package installs from its npm tarball (with @switchyard/flow-balancer beside it) into a fresh
 * project and runs there under Bun: a thread pool on a module written into that project, whose
 * worker entry is loaded from the installed dist/.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { packInstallAndRun, rootLicense, tarballProblems } from '../../../tooling/testing/pack.ts';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));

const script = `
import { writeFileSync } from 'node:fs';
import { WorkerPoolManager, isTaskFailedError } from '@switchyard/worker-pool';

writeFileSync('./tasks.mjs', 'export const double = (x) => x * 2;\\nexport const fail = () => { throw new Error("nope"); };\\n');
const pool = new WorkerPoolManager({ kind: 'thread', module: new URL('./tasks.mjs', import.meta.url), min: 1, max: 2 });
const results = await Promise.all([1, 2, 3].map((x) => pool.run('double', x)));
const failed = await pool.run('fail').catch((e) => isTaskFailedError(e) && e.message);
const stats = pool.stats();
await pool.stop();
console.log(JSON.stringify({ results, failed, completed: stats.completed, state: pool.state }));
`;

describe('pack', () => {
  it('installs from the tarball and runs a thread pool from dist/', { timeout: 120_000 }, () => {
    const { stdout, files, license } = packInstallAndRun(pkgDir, script, 'bun');
    expect(tarballProblems(files, ['package/dist/runtime/thread-entry.js'])).toEqual([]);
    expect(license).toBe(rootLicense);
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(out).toEqual({ results: [2, 4, 6], failed: 'nope', completed: 3, state: 'stopped' });
  });
});
