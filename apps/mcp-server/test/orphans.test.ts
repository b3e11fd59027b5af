/**
 * No backend outlives the gateway: a wrapper that ignores SIGTERM and the end of its stdin and runs
 * its server as a child (as `sh -c` / `npx` do) is gone, with that child, after the gateway is
 * stopped with SIGTERM — and after it is killed with SIGKILL, which it cannot answer (the
 * parent-death signal and the process-group watchdog do it).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive, until } from '../../../tooling/testing/wait.ts';
import { connectClient, startServe, tempDir } from './support/gateway.ts';

const STUBBORN = new URL('./fixtures/stubborn-server.ts', import.meta.url).pathname;

async function serveStubborn() {
  const dir = await tempDir();
  const config = join(dir, 'switchyard.json');
  await writeFile(
    config,
    JSON.stringify({
      mcpServers: { stubborn: { command: process.execPath, args: [STUBBORN], tier: 'hot' } },
      switchyard: { shutdown: { graceMs: 200 } },
    }),
  );
  const serve = await startServe(['--config', config], { cwd: dir });
  const client = await connectClient(serve.url);
  const result = (await client.callTool({ name: 'stubborn__whoami', arguments: {} })) as {
    content: { text: string }[];
  };
  const { pid: child, ppid: wrapper } = JSON.parse(result.content[0]!.text) as { pid: number; ppid: number };
  expect(isAlive(child)).toBe(true);
  expect(isAlive(wrapper)).toBe(true);
  expect(wrapper).not.toBe(serve.child.pid);
  return { serve, child, wrapper, client };
}

describe('backends die with the gateway', () => {
  it('SIGTERM: the wrapper and its child are stopped (their process group), and the gateway exits 0', async () => {
    const { serve, child, wrapper, client } = await serveStubborn();
    await client.close();
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    await until(() => !isAlive(wrapper) && !isAlive(child), 'the wrapper and its child to be gone', 10_000);
  }, 60_000);

  it('SIGKILL: the wrapper and its child are gone too', async () => {
    const { serve, child, wrapper, client } = await serveStubborn();
    await client.close().catch(() => {});
    serve.child.kill('SIGKILL');
    await serve.exited;
    await until(() => !isAlive(wrapper) && !isAlive(child), 'the wrapper and its child to be gone', 10_000);
  }, 60_000);
});
