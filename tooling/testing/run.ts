/** A child process run to its end: its exit code and everything it wrote. */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `argv` (Bun.spawn) and waits for it to exit, collecting stdout and stderr. */
export async function runToEnd(
  argv: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Ran> {
  const child = Bun.spawn(argv, {
    ...(options.cwd !== undefined && { cwd: options.cwd }),
    ...(options.env !== undefined && { env: options.env }),
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}
