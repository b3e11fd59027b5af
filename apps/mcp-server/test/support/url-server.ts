/**
 * A fixture server in a child process that prints its URL as its first stdout line (the remote
 * MCP fixtures: conformance, SSE, modern, whoami).
 */
import type { Subprocess } from 'bun';

export interface UrlServer {
  url: string;
  child: Subprocess;
  /** Kills it (SIGKILL) and waits for the exit. */
  kill(): Promise<void>;
}

/**
 * Starts `script` and reads its URL. `track` gets the kill at once, before the URL is read, so a
 * start that fails is still cleaned up by the caller's `afterEach`.
 */
export async function spawnUrlServer(
  script: string,
  args: string[],
  track: (kill: () => Promise<void>) => void,
): Promise<UrlServer> {
  const child = Bun.spawn([process.execPath, script, ...args], { stdout: 'pipe', stderr: 'pipe' });
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await child.exited;
  };
  track(kill);
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
  let out = '';
  const deadline = Date.now() + 15_000;
  while (!out.includes('\n')) {
    if (Date.now() > deadline) throw new Error(`${script} printed no URL in 15 s`);
    const { done, value } = await reader.read();
    if (done)
      throw new Error(
        `${script} exited before printing its URL: ${await new Response(child.stderr as ReadableStream).text()}`,
      );
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return { url: out.split('\n')[0] ?? '', child, kill };
}
