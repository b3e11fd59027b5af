import { dirname, isAbsolute, resolve } from 'node:path';

/** What a command may touch, passed in so commands run the same in tests and in the real CLI. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/** Exit codes: 0 done, 1 the configuration is wrong, 2 a usage error or a command not yet available. */
export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

/**
 * The directory the command was run from. A package manager running a script (`bun run
 * switchyard …`, `npm run …`) starts it in the package's folder and says where it was run from:
 * npm, pnpm and yarn in `INIT_CWD`, bun in `npm_config_local_prefix`. Those are believed only when
 * the process really is in the folder of the script's package (`npm_package_json`), so a variable
 * inherited by some other process started elsewhere is not.
 */
export function invocationDir(cwd: string, env: CliIo['env']): string {
  const pkg = env.npm_package_json;
  if (pkg === undefined || resolve(dirname(pkg)) !== resolve(cwd)) return cwd;
  const from = env.INIT_CWD || env.npm_config_local_prefix;
  return from && isAbsolute(from) ? from : cwd;
}
