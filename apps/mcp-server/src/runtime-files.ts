/**
 * Files the gateway loads by path at run time — the thread entry of module backends, the builtin
 * tool module and the span thread of telemetry — resolved from this file, which sits at the root of `src/`. Built, it is bundled into
 * `dist/cli.js` (the root of `dist/`, where the build puts those files as separate entry points),
 * and compiled, into the binary's embedded root: the same relative names hold in all three.
 */
import { fileURLToPath } from 'node:url';

const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** The path of a run-time file, named relative to `src/` without its extension. */
export function runtimeFile(name: string): string {
  return fileURLToPath(new URL(`./${name}${ext}`, import.meta.url));
}
