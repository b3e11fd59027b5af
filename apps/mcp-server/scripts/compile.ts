/**
 * `bun run compile [targets…]`: the gateway as one `switchyard` executable per target, Bun inside,
 * into `dist/bin/switchyard-<target>` (default target: this machine's, `bun-linux-x64` here).
 *
 * Everything the gateway loads by path at run time is an extra entry point, placed in the binary's
 * embedded root at the name its loader asks for: `module-host/thread.js` and `builtin/tools.js`
 * (`src/runtime-files.ts`), worker-pool's `thread-entry.js` and the journal's `writer-thread.js`
 * (each package resolves its thread entry beside its own module, which is the root once bundled).
 * Each is a one-line file in a staging dir that imports the real one.
 *
 * Cross targets (`bun-linux-arm64`, `bun-darwin-arm64`, …) need Bun's executable for that target,
 * which `bun build --compile` downloads; where that download cannot be made the target fails and is
 * named in the output (exit 1), the others are still built.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUNTIME_ENTRIES } from './runtime-entries.ts';

const root = join(import.meta.dir, '..');
const src = join(root, 'src');
const distOf = (pkg: string) => dirname(fileURLToPath(import.meta.resolve(pkg)));
const workerPoolDist = distOf('@switchyard/worker-pool');
const journalDist = distOf('@switchyard/journal');

/** Name in the binary's root → the module it stands for. */
const ENTRIES: Record<string, { file: string; reexport?: boolean }> = {
  'cli.ts': { file: join(src, 'cli.ts') },
  ...Object.fromEntries(RUNTIME_ENTRIES.map((name) => [name, { file: join(src, name), reexport: true }])),
  'thread-entry.ts': { file: join(workerPoolDist, 'runtime/thread-entry.js') },
  'writer-thread.ts': { file: join(journalDist, 'drivers/sqlite/writer-thread.js') },
};

const hostTarget = `bun-${process.platform}-${process.arch}`;
const targets = process.argv.slice(2).length > 0 ? process.argv.slice(2) : [hostTarget];

const stage = mkdtempSync(join(tmpdir(), 'switchyard-compile-'));
let failed = 0;
try {
  for (const [name, { file, reexport }] of Object.entries(ENTRIES)) {
    mkdirSync(dirname(join(stage, name)), { recursive: true });
    writeFileSync(join(stage, name), reexport ? `export * from '${file}';\n` : `import '${file}';\n`);
  }
  mkdirSync(join(root, 'dist', 'bin'), { recursive: true });
  for (const target of targets) {
    const outfile = join(root, 'dist', 'bin', `switchyard-${target.replace(/^bun-/, '')}`);
    const r = Bun.spawnSync(
      [
        'bun',
        'build',
        '--compile',
        `--target=${target}`,
        // The thread entries are imported for their side effects, from packages that declare
        // `"sideEffects": false` (true of their public API): without this they would be shaken out.
        '--ignore-dce-annotations',
        ...Object.keys(ENTRIES).map((name) => join(stage, name)),
        '--outfile',
        outfile,
      ],
      { cwd: root, stdout: 'pipe', stderr: 'pipe' },
    );
    if (r.exitCode === 0) {
      console.log(outfile);
    } else {
      failed++;
      console.error(`${target}: bun build --compile failed\n${r.stderr.toString().trim()}`);
    }
  }
} finally {
  rmSync(stage, { recursive: true, force: true });
}
process.exit(failed > 0 ? 1 : 0);
