/**
 * `switchyard stdio` driven by an SDK v1 client, and by a v2 client pinned to 2026-07-28, over a
 * child process, as a desktop MCP client would launch it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client as ClientV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioTransportV2 } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { isAlive, until } from '../../../tooling/testing/wait.ts';
import { writeConfig } from './helpers.ts';
import { BUILTIN, fixtureEntry, tempDir } from './support/gateway.ts';

const CLI = new URL('../src/cli.ts', import.meta.url).pathname;

function textOf(result: unknown): string {
  return (result as { content: { text: string }[] }).content.map((c) => c.text).join('');
}

/** The configuration of a builtin module and the fixture as `fx`, journal in `dir`. */
const twoBackends = (dir: string) => ({
  mcpServers: { builtin: { module: BUILTIN, tier: 'hot' }, fx: fixtureEntry('fx', { tier: 'hot' }) },
  switchyard: { journal: { path: join(dir, 'journal.db') } },
});

async function stdioClient(
  dir: string,
  config: unknown,
): Promise<{ client: Client; transport: StdioClientTransport }> {
  const file = await writeConfig(dir, 'switchyard.json', config);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'stdio', '--config', file],
    cwd: dir,
    stderr: 'pipe',
  });
  const client = new Client({ name: 'stdio-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

describe('switchyard stdio', () => {
  it('serves the configured backends to an SDK client over stdin/stdout, progress included', {
    timeout: 30_000,
  }, async () => {
    const dir = await tempDir();
    const { client } = await stdioClient(dir, twoBackends(dir));
    try {
      expect(client.getServerVersion()?.name).toBe('switchyard');
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['builtin__echo', 'fx__echo']));
      expect(
        textOf(await client.callTool({ name: 'builtin__echo', arguments: { text: 'over stdio' } })),
      ).toBe('over stdio');
      const progress: number[] = [];
      await client.callTool({ name: 'fx__sleep', arguments: { ms: 50 } }, CallToolResultSchema, {
        onprogress: (p) => progress.push(p.progress),
      });
      expect(progress.length).toBeGreaterThan(0);
      await expect(client.callTool({ name: 'nope', arguments: {} })).rejects.toThrow(/Unknown tool: nope/);
    } finally {
      await client.close();
    }
  });

  it('serves a v2 client pinned to 2026-07-28: list, call, progress, and cancellation by notifications/cancelled', {
    timeout: 30_000,
  }, async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, 'switchyard.json', twoBackends(dir));
    const client = new ClientV2(
      { name: 'stdio-v2', version: '2.4.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(
      new StdioTransportV2({
        command: process.execPath,
        args: [CLI, 'stdio', '--config', file],
        cwd: dir,
        stderr: 'pipe',
      }),
    );
    try {
      expect(client.getProtocolEra()).toBe('modern');
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['builtin__echo', 'fx__echo']));
      expect(textOf(await client.callTool({ name: 'fx__echo', arguments: { text: 'stateless' } }))).toBe(
        'stateless',
      );
      const progress: number[] = [];
      await client.callTool(
        { name: 'fx__sleep', arguments: { ms: 50 } },
        { onprogress: (p) => progress.push(p.progress) },
      );
      expect(progress.length).toBeGreaterThan(0);
      // Cancel a long sleep: the client sends notifications/cancelled; the backend stops it.
      // Cancelled once it runs on the backend (its first progress), not after a guessed delay.
      const abort = new AbortController();
      let running!: () => void;
      const started = new Promise<void>((r) => {
        running = r;
      });
      const sleeping = client.callTool(
        { name: 'fx__sleep', arguments: { ms: 10_000 } },
        { signal: abort.signal, onprogress: () => running() },
      );
      sleeping.catch(() => {});
      await started;
      abort.abort('enough');
      await expect(sleeping).rejects.toThrow();
      const cancelledOnBackend = async () =>
        (
          JSON.parse(textOf(await client.callTool({ name: 'fx__whoami', arguments: {} }))) as {
            cancelled: number;
          }
        ).cancelled;
      const end = Date.now() + 5_000;
      while ((await cancelledOnBackend()) !== 1 && Date.now() < end)
        await new Promise((r) => setTimeout(r, 20));
      expect(await cancelledOnBackend()).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('at end of input stops every backend and exits', { timeout: 30_000 }, async () => {
    const dir = await tempDir();
    const { client, transport } = await stdioClient(dir, {
      mcpServers: { fx: fixtureEntry('fx', { tier: 'hot' }) },
      switchyard: { journal: { path: join(dir, 'journal.db') } },
    });
    const { pid: backendPid } = JSON.parse(
      textOf(await client.callTool({ name: 'fx__whoami', arguments: {} })),
    ) as {
      pid: number;
    };
    const gatewayPid = transport.pid;
    expect(gatewayPid).not.toBeNull();
    await client.close();
    await until(() => !isAlive(gatewayPid!), 'the gateway to exit', 10_000);
    await until(() => !isAlive(backendPid), 'the backend to be gone', 5_000);
  });

  it('answers a line that is not JSON with a parse error and goes on', { timeout: 30_000 }, async () => {
    const dir = await tempDir();
    const file = join(dir, 'switchyard.json');
    await writeFile(
      file,
      JSON.stringify({
        mcpServers: { fx: fixtureEntry('fx') },
        switchyard: { journal: { path: join(dir, 'j.db') } },
      }),
    );
    const child = Bun.spawn([process.execPath, CLI, 'stdio', '--config', file], {
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
    });
    child.stdin.write('this is not json\n');
    child.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } })}\n`,
    );
    child.stdin.end();
    const [out, stderr] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
    ]);
    expect(await child.exited, stderr).toBe(0);
    const [first, second] = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: unknown; error?: { code: number }; result?: unknown });
    expect(first?.error?.code).toBe(-32700);
    // MCP (2025-11-25) leaves the id out when it could not be read, where JSON-RPC would say null.
    expect(first).not.toHaveProperty('id');
    expect(second?.id).toBe(1);
    expect(second?.result).toBeDefined();
  });
});

describe('a configuration with nothing to serve', () => {
  it('is a config error naming mcpServers (exit 1), not a crash', async () => {
    const dir = await tempDir();
    const file = join(dir, 'empty.json');
    await writeFile(
      file,
      JSON.stringify({ mcpServers: {}, switchyard: { journal: { path: join(dir, 'j.db') } } }),
    );
    for (const command of ['stdio', 'serve']) {
      const args =
        command === 'serve' ? ['serve', '--config', file, '--port', '0'] : ['stdio', '--config', file];
      const child = Bun.spawn([process.execPath, CLI, ...args], {
        stdin: 'pipe',
        stdout: 'pipe',
        stderr: 'pipe',
      });
      child.stdin.end();
      const stderr = await new Response(child.stderr).text();
      expect(await child.exited, command).toBe(1);
      expect(stderr).toMatch(
        /mcpServers: expected at least one enabled backend \(stdio, module or remote\); found none/,
      );
    }
  });
});
