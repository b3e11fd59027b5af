/** What a command may touch, passed in so commands run the same in tests and in the real CLI. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/** Exit codes: 0 done, 1 the configuration is wrong, 2 a usage error or a command not yet available. */
export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;
