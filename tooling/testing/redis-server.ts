/**
 * Test support shared by the packages' and the gateway's tests: a real `redis-server` on
 * 127.0.0.1 and a free port, in a temporary directory, without persistence, optionally with a
 * password; `stop()` kills it. Without `redis-server` on the PATH the start fails saying how to
 * install it (CI installs it from `.ci/apt-packages`): the Redis tests never skip silently.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisClient } from 'bun';
import { freePort } from './ports.ts';

export { freePort };

export interface RedisServer {
  /** `redis://127.0.0.1:<port>`, without the password. */
  url: string;
  port: number;
  /** A client of the test's own, authenticated; closed by `stop()`. */
  client: RedisClient;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

/** `port`: this one (e.g. to bring a stopped server back where its clients look); else a free one. */
export async function startRedis(options: { password?: string; port?: number } = {}): Promise<RedisServer> {
  const binary = Bun.which('redis-server');
  if (!binary) {
    throw new Error(
      'redis-server is not installed: the Redis tests need a real server ' +
        '(apt-get install redis-server; CI installs it from .ci/apt-packages)',
    );
  }
  if (options.port !== undefined) return startOn(binary, options.port, options.password);
  let lastError: unknown;
  // A port found free can be taken before redis binds it: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOn(binary, freePort(), options.password);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOn(binary: string, port: number, password: string | undefined): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  if (password !== undefined) args.push('--requirepass', password);
  const child = Bun.spawn([binary, ...args, '--dir', dir], { cwd: dir, stdout: 'pipe', stderr: 'pipe' });
  const url = `redis://127.0.0.1:${port}`;
  const authed = password === undefined ? url : `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  let client: RedisClient | undefined;
  try {
    while (true) {
      if (child.exitCode !== null) {
        const out = await new Response(child.stdout).text();
        throw new Error(`redis-server exited (${child.exitCode}) on port ${port}: ${out.slice(-500)}`);
      }
      try {
        client = new RedisClient(authed, { autoReconnect: false, connectionTimeout: 500 });
        if ((await client.send('PING', [])) === 'PONG') break;
      } catch {
        client?.close();
        client = undefined;
      }
      if (Date.now() > deadline)
        throw new Error(`redis-server did not answer PING within ${START_TIMEOUT_MS} ms`);
      await Bun.sleep(20);
    }
  } catch (error) {
    child.kill('SIGKILL');
    await child.exited;
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const ready = client as RedisClient;
  return {
    url,
    port,
    client: ready,
    async stop() {
      ready.close();
      child.kill('SIGKILL');
      await child.exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
