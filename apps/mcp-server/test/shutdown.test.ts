/**
 * SIGTERM with calls that outlast the drain: the real CLI, a real SDK client calling a tool that
 * sleeps far longer than the grace. Each call in flight ends with a JSON-RPC error
 * (-32000 "gateway shutting down") on its stream or its JSON response, and the process exits 0.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CallToolResultSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { isAlive, until } from '../../../tooling/testing/wait.ts';
import { connectClient, fixtureEntry, startServe, tempDir } from './support/gateway.ts';

async function serveWithFixture(graceMs: number) {
  const dir = await tempDir();
  const config = join(dir, 'switchyard.json');
  await writeFile(
    config,
    JSON.stringify({
      mcpServers: { fx: fixtureEntry('fx', { tier: 'hot' }) },
      switchyard: { shutdown: { graceMs } },
    }),
  );
  return startServe(['--config', config], { cwd: dir });
}

function errorOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (value) => {
      throw new Error(`expected an error, got ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
}

describe('SIGTERM with calls longer than the grace', () => {
  it('answers each call in flight with -32000 "gateway shutting down" and exits 0', async () => {
    const serve = await serveWithFixture(300);
    // An SSE answer (progress asked for) and a plain JSON one, from two clients.
    const streaming = await connectClient(serve.url, { name: 'streaming' });
    const plain = await connectClient(serve.url, { name: 'plain' });
    const { pid } = JSON.parse(
      ((await plain.callTool({ name: 'fx__whoami', arguments: {} })) as { content: { text: string }[] })
        .content[0]!.text,
    ) as { pid: number };
    let progressed = false;
    const long = { name: 'fx__sleep', arguments: { ms: 120_000 } };
    const onStream = errorOf(
      streaming.callTool(long, CallToolResultSchema, {
        timeout: 30_000,
        onprogress: () => {
          progressed = true;
        },
      }),
    );
    const onJson = errorOf(plain.callTool(long, CallToolResultSchema, { timeout: 30_000 }));
    // Both calls are running on the backend: progress flows on the first, and the backend counts
    // both sleeps among its calls (whoami counts itself too: the first one, and each probe).
    await until(() => progressed, 'progress of the long call', 15_000);
    let probes = 0;
    const sleepsStarted = async () => {
      probes++;
      const seen = JSON.parse(
        ((await plain.callTool({ name: 'fx__whoami', arguments: {} })) as { content: { text: string }[] })
          .content[0]!.text,
      ) as { pid: number; calls: number };
      expect(seen.pid).toBe(pid);
      return seen.calls - 1 - probes;
    };
    await expect.poll(sleepsStarted, { timeout: 15_000 }).toBe(2);
    serve.child.kill('SIGTERM');
    for (const error of [await onStream, await onJson]) {
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).code).toBe(-32000);
      expect((error as McpError).message).toMatch(/gateway shutting down/);
    }
    expect(await serve.exited).toBe(0);
    await until(() => !isAlive(pid), 'the backend process to be gone', 10_000);
    expect(serve.stderr()).toMatch(/"msg":"stopped"/);
  }, 60_000);
});
