/**
 * The MCP Inspector's CLI (`@modelcontextprotocol/inspector`, `mcp-inspector --cli`) against the
 * gateway: a real third-party client, run by Node 20 as a child process with a bounded time, its
 * JSON output parsed. Backends: the real server-everything (stdio, under Bun), the builtin module
 * and a 2026-only stdio server (the v2-SDK fixture `modern-server.ts`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN, startServe, tempDir } from './support/gateway.ts';
import {
  discoverVersions,
  EVERYTHING,
  INSPECTOR,
  type RunResult,
  run,
  type SharedGateway,
  startShared,
  within,
} from './support/third-party.ts';

const MODERN = new URL('../../../tooling/fixtures/mcp/modern-server.ts', import.meta.url).pathname;

let gw: SharedGateway;
let home: string;

beforeAll(async () => {
  gw = await startShared(() => ({
    mcpServers: {
      everything: { command: process.execPath, args: [EVERYTHING, 'stdio'], tier: 'hot' },
      builtin: { module: BUILTIN, tier: 'hot' },
      modern: { command: process.execPath, args: [MODERN], tier: 'hot' },
    },
  }));
  // The Inspector keeps a catalog and secrets under ~/.mcp-inspector: keep them in the run's dir.
  home = join(gw.dirs.root, 'home');
  await mkdir(home);
}, 60_000);

afterAll(async () => {
  await gw?.stop();
}, 30_000);

/** `node mcp-inspector --cli <gateway url> --transport http --format json …args`, at most 30 s. */
async function inspector(args: string[]): Promise<RunResult & { json: unknown }> {
  const result = await run(
    ['node', INSPECTOR, '--cli', gw.url, '--transport', 'http', '--format', 'json', ...args],
    { timeoutMs: 30_000, env: { HOME: home, NO_COLOR: '1' }, cwd: gw.dirs.root },
  );
  const context = `exit ${result.code}${result.timedOut ? ' (timed out)' : ''}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
  expect(result.timedOut, context).toBe(false);
  let json: unknown;
  try {
    json = JSON.parse(result.stdout);
  } catch {
    throw new Error(`the Inspector printed no JSON; ${context}`);
  }
  return { ...result, json };
}

describe('MCP Inspector CLI (Node 20) through the gateway', () => {
  it('tools/list shows the tools of both backends', { timeout: 40_000 }, async () => {
    const out = await inspector(['--method', 'tools/list']);
    expect(out.code, out.stderr).toBe(0);
    const names = (out.json as { result: { tools: { name: string }[] } }).result.tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['everything__echo', 'everything__get-sum', 'builtin__echo']),
    );
  });

  it('tools/call builtin__echo with --tool-arg text=hi', { timeout: 40_000 }, async () => {
    const out = await inspector([
      '--method',
      'tools/call',
      '--tool-name',
      'builtin__echo',
      '--tool-arg',
      'text=hi',
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.json).toMatchObject({ result: { content: [{ type: 'text', text: 'hi' }] } });
  });

  it('tools/call everything__get-sum with numeric arguments', { timeout: 40_000 }, async () => {
    const out = await inspector([
      '--method',
      'tools/call',
      '--tool-name',
      'everything__get-sum',
      '--tool-args-json',
      '{"a":20,"b":22}',
    ]);
    expect(out.code, out.stderr).toBe(0);
    const result = (out.json as { result: { content: { text: string }[] } }).result;
    expect(result.content[0]?.text).toBe('The sum of 20 and 22 is 42.');
  });

  for (const era of ['legacy', 'auto'] as const) {
    it(`--protocol-era ${era}: calls builtin__echo`, {
      timeout: 40_000,
    }, async () => {
      const out = await inspector([
        '--protocol-era',
        era,
        '--method',
        'tools/call',
        '--tool-name',
        'builtin__echo',
        '--tool-arg',
        `text=${era}`,
      ]);
      expect(out.code, out.stderr).toBe(0);
      expect(out.json).toMatchObject({ result: { content: [{ type: 'text', text: era }] } });
      expect((out.json as { result: { isError?: boolean } }).result.isError).toBeFalsy();
    });
  }

  for (const era of ['legacy', 'modern'] as const) {
    it(`--protocol-era ${era}: calls a tool of the 2026-only backend`, { timeout: 40_000 }, async () => {
      const out = await inspector([
        '--protocol-era',
        era,
        '--method',
        'tools/call',
        '--tool-name',
        'modern__echo',
        '--tool-arg',
        `text=${era} to 2026`,
      ]);
      expect(out.code, out.stderr).toBe(0);
      expect(out.json).toMatchObject({ result: { content: [{ type: 'text', text: `${era} to 2026` }] } });
    });
  }

  it('--protocol-era modern: calls a tool over 2026-07-28', {
    timeout: 40_000,
  }, async () => {
    expect(await discoverVersions(gw.url)).toContain('2026-07-28');
    const result = await run(
      [
        'node',
        INSPECTOR,
        '--cli',
        gw.url,
        '--transport',
        'http',
        '--format',
        'json',
        '--protocol-era',
        'modern',
        '--method',
        'tools/call',
        '--tool-name',
        'builtin__echo',
        '--tool-arg',
        'text=modern',
      ],
      { timeoutMs: 30_000, env: { HOME: home, NO_COLOR: '1' }, cwd: gw.dirs.root },
    );
    expect(result.timedOut).toBe(false);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      result: { content: [{ type: 'text', text: 'modern' }] },
    });
  });

  it('resources/read and prompts/get of everything', { timeout: 40_000 }, async () => {
    const read = await inspector([
      '--method',
      'resources/read',
      '--uri',
      'demo://resource/static/document/features.md',
    ]);
    expect(read.code, read.stderr).toBe(0);
    const contents = (read.json as { result: { contents: { uri: string; text?: string }[] } }).result
      .contents;
    expect(contents[0]?.uri).toBe('demo://resource/static/document/features.md');
    expect(contents[0]?.text?.length).toBeGreaterThan(0);
    const prompt = await inspector([
      '--method',
      'prompts/get',
      '--prompt-name',
      'everything__args-prompt',
      '--prompt-args',
      'city=Lyon',
    ]);
    expect(prompt.code, prompt.stderr).toBe(0);
    expect(JSON.stringify(prompt.json)).toContain('Lyon');
  });
  it('works the same against the real `switchyard serve` CLI process', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const config = join(dir, 'switchyard.json');
    await writeFile(
      config,
      JSON.stringify({
        mcpServers: {
          everything: { command: process.execPath, args: [EVERYTHING, 'stdio'], tier: 'hot' },
          builtin: { module: BUILTIN, tier: 'hot' },
        },
        switchyard: { journal: { path: join(dir, 'journal.db') } },
      }),
    );
    const serve = await startServe(['--config', config], { cwd: dir });
    const cli = (args: string[]) =>
      run(['node', INSPECTOR, '--cli', serve.url, '--transport', 'http', '--format', 'json', ...args], {
        timeoutMs: 30_000,
        env: { HOME: home, NO_COLOR: '1' },
        cwd: dir,
      });
    try {
      const listed = await cli(['--method', 'tools/list']);
      expect(listed.timedOut).toBe(false);
      expect(listed.code, listed.stderr + serve.stderr()).toBe(0);
      const names = (JSON.parse(listed.stdout) as { result: { tools: { name: string }[] } }).result.tools.map(
        (t) => t.name,
      );
      expect(names).toEqual(expect.arrayContaining(['everything__echo', 'builtin__echo']));
      const called = await cli([
        '--method',
        'tools/call',
        '--tool-name',
        'everything__echo',
        '--tool-arg',
        'message=served',
      ]);
      expect(called.code, called.stderr + serve.stderr()).toBe(0);
      expect(JSON.parse(called.stdout)).toMatchObject({
        result: { content: [{ type: 'text', text: 'Echo: served' }] },
      });
    } finally {
      // A graceful stop stops the backends too (the helper's SIGKILL would orphan them).
      serve.child.kill('SIGTERM');
      expect(await within(serve.exited, 15_000, 'switchyard serve exiting on SIGTERM')).toBe(0);
    }
  });
});
