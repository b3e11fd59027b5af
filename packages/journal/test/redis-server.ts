/**
 * A real `redis-server` for the tests: started on 127.0.0.1 and a free port, in a temporary
 * directory, without persistence; `stop()` kills it. Without `redis-server` on the PATH the start
 * fails with a message saying how to install it (CI installs it from `.ci/apt-packages`): the
 * Redis tests never skip silently.
 */
import { createServer } from 'node:net';
import { RedisClient } from 'bun';
import { tempDir } from './helpers.ts';

export interface RedisServer {
  url: string;
  port: number;
  /** A client of the test's own (for looking at keys); closed by `stop()`. */
  client: RedisClient;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

export async function startRedis(): Promise<RedisServer> {
  const binary = Bun.which('redis-server');
  if (!binary) {
    throw new Error(
      'redis-server is not installed: the Redis journal tests need a real server ' +
        '(apt-get install redis-server; CI installs it from .ci/apt-packages)',
    );
  }
  let lastError: unknown;
  // A port found free can be taken before redis binds it: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOn(binary, await freePort());
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOn(binary: string, port: number): Promise<RedisServer> {
  const dir = tempDir('switchyard-redis-');
  const child = Bun.spawn(
    [
      binary,
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir.path,
    ],
    { cwd: dir.path, stdout: 'pipe', stderr: 'pipe' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  let client: RedisClient | undefined;
  try {
    while (true) {
      if (child.exitCode !== null) {
        const out = await new Response(child.stdout).text();
        throw new Error(`redis-server exited (${child.exitCode}) on port ${port}: ${out.slice(-500)}`);
      }
      try {
        client = new RedisClient(url, { autoReconnect: false, connectionTimeout: 500 });
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
    dir.remove();
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
      dir.remove();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
