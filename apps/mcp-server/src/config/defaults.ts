/**
 * The embedded default configuration, used when no file is given: one in-process tool module
 * backend, `builtin` (the tools of `src/builtin/tools.ts`), kept hot, and the journal at
 * `./switchyard.db` in the working directory, keeping 7 days and at most 1 GiB.
 */
import { runtimeFile } from '../runtime-files.ts';
import type { JsonValue } from './jsonc.ts';
import { parseConfigValue } from './load.ts';
import type { GatewayConfig } from './resolve.ts';

export const BUILTIN_MODULE = runtimeFile('builtin/tools');

export const DEFAULT_CONFIG = {
  mcpServers: {
    builtin: { module: BUILTIN_MODULE, tier: 'hot' },
  },
  switchyard: {
    // The schema's defaults, spelt out: a journal left to itself stays within a week and 1 GiB.
    journal: {
      path: './switchyard.db',
      retention: { maxAgeMs: 7 * 24 * 60 * 60_000, maxBytes: 1024 * 1024 * 1024 },
    },
  },
} satisfies JsonValue;

export const DEFAULT_SOURCE = 'the embedded default';

/** The embedded default, resolved; relative paths against `cwd`. */
export function defaultConfig(cwd: string): GatewayConfig {
  return parseConfigValue(DEFAULT_CONFIG, { source: DEFAULT_SOURCE, baseDir: cwd, env: {} });
}
