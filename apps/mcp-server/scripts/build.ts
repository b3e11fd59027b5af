/**
 * Builds the published gateway into `dist/`: `cli.js` (the CLI, bundled; every dependency stays an
 * import of the installed package), the files it loads by path at run time as their own entry
 * points at the same relative places (`module-host/thread.js`, `builtin/tools.js`, see
 * `src/runtime-files.ts`), and `switchyard.js`, the `switchyard` bin.
 *
 * The bin is a shell-and-JavaScript file: started as a program (npx, bunx, a global install) the
 * shell runs its first line, which hands the file to Bun when Bun is on PATH and otherwise says how
 * to get it and exits 1 (docs/adr/0005-gateway-package.md); Bun reads that line as a string and
 * imports the CLI.
 */
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUNTIME_ENTRIES } from './runtime-entries.ts';

const root = join(import.meta.dir, '..');
const dist = join(root, 'dist');

const BIN = `#!/bin/sh
':' //; if command -v bun >/dev/null 2>&1; then exec bun "$0" "$@"; fi; echo "switchyard runs on Bun (>= 1.4), which is not on PATH. Install it (npm i -g bun, or see https://bun.sh), then run: bunx @switchyard/mcp-server serve" >&2; exit 1
import './cli.js';
`;

rmSync(dist, { recursive: true, force: true });
const result = await Bun.build({
  entrypoints: ['cli.ts', ...RUNTIME_ENTRIES].map((f) => join(root, 'src', f)),
  root: join(root, 'src'),
  outdir: dist,
  target: 'bun',
  packages: 'external',
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
writeFileSync(join(dist, 'switchyard.js'), BIN);
chmodSync(join(dist, 'switchyard.js'), 0o755);
chmodSync(join(dist, 'cli.js'), 0o755);
console.log(result.outputs.map((o) => o.path.slice(root.length + 1)).join('\n'));
