/**
 * The embedded default configuration, used when no file is given: one in-process tool module
 * backend, `builtin` (the tools of `src/builtin/tools.ts`), kept hot, and the journal at
 * `./switchyard.db` in the working directory.
 */
import { fileURLToPath } from 'node:url';
import type { JsonValue } from './jsonc.ts';
import { parseConfigValue } from './load.ts';
import type { GatewayConfig } from './resolve.ts';

export const BUILTIN_MODULE = fileURLToPath(new URL('../builtin/tools.ts', import.meta.url));

export const DEFAULT_CONFIG = {
  mcpServers: {
    builtin: { module: BUILTIN_MODULE, tier: 'hot' },
  },
  switchyard: {
    journal: { path: './switchyard.db' },
  },
} satisfies JsonValue;

export const DEFAULT_SOURCE = 'the embedded default';

/** The embedded default, resolved; relative paths against `cwd`. */
export function defaultConfig(cwd: string): GatewayConfig {
  return parseConfigValue(DEFAULT_CONFIG, { source: DEFAULT_SOURCE, baseDir: cwd, env: {} });
}
