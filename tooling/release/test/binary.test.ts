/**
 * One binary (#23): `bun run compile` (apps/mcp-server) builds the `switchyard` executable for this
 * machine; copied alone into a temp dir — no node_modules, no source — it serves a stdio backend
 * (the fixture server, bundled to one file) and the builtin tools embedded in it, each called
 * over HTTP as an MCP client would.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mcpSession, started, stopped } from '../gateway-client.ts';
import { repoRoot } from '../packages.ts';

const work = mkdtempSync(join(tmpdir(), 'switchyard-binary-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function text(r: { result?: unknown; error?: { message: string } }): string {
  if (r.error) throw new Error(r.error.message);
  return (r.result as { content: { text: string }[] }).content[0]!.text;
}

describe('the compiled switchyard binary', () => {
  it('runs from a dir with no node_modules: a stdio backend and the builtin tools, then the embedded default', async () => {
    const app = join(repoRoot, 'apps/mcp-server');
    const compiled = spawnSync('bun', ['run', 'compile'], { cwd: app, encoding: 'utf8', timeout: 180_000 });
    expect(compiled.status, compiled.stderr).toBe(0);
    const binary = compiled.stdout.trim().split('\n').at(-1)!;
    expect(binary).toMatch(/switchyard-linux-x64$/);

    copyFileSync(binary, join(work, 'switchyard'));
    spawnSync('chmod', ['+x', join(work, 'switchyard')]);
    const bundled = spawnSync(
      'bun',
      [
        'build',
        join(repoRoot, 'tooling/fixtures/mcp/stdio-server.ts'),
        '--target',
        'bun',
        '--outfile',
        join(work, 'stdio-server.js'),
      ],
      { encoding: 'utf8' },
    );
    expect(bundled.status, bundled.stderr).toBe(0);
    expect(existsSync(join(work, 'node_modules'))).toBe(false);
    writeFileSync(
      join(work, 'switchyard.json'),
      JSON.stringify({
        mcpServers: {
          fixture: { command: 'bun', args: ['stdio-server.js'] },
          builtin: { module: '/$bunfs/root/builtin/tools.js', tier: 'hot' },
        },
      }),
    );
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? work };
    const { child, url } = await started(
      join(work, 'switchyard'),
      ['serve', '--port', '0', '--config', 'switchyard.json'],
      work,
      env,
    );
    try {
      const session = await mcpSession(url);
      expect(
        text(
          await session.request('tools/call', { name: 'fixture__echo', arguments: { text: 'via stdio' } }),
        ),
      ).toBe('via stdio');
      expect(
        text(await session.request('tools/call', { name: 'builtin__echo', arguments: { text: 'built in' } })),
      ).toBe('built in');
    } finally {
      expect(await stopped(child)).toBe(0);
    }

    // No config: the embedded default (the builtin tools, the journal in ./switchyard.db).
    rmSync(join(work, 'switchyard.json'));
    const plain = await started(join(work, 'switchyard'), ['serve', '--port', '0'], work, env);
    try {
      const session = await mcpSession(plain.url);
      expect(
        text(await session.request('tools/call', { name: 'builtin__echo', arguments: { text: 'default' } })),
      ).toBe('default');
      expect(existsSync(join(work, 'switchyard.db'))).toBe(true);
    } finally {
      expect(await stopped(plain.child)).toBe(0);
    }
  });
});
