/**
 * The MCP conformance suite (`@modelcontextprotocol/conformance`, server scenarios, default suite)
 * through the gateway: the repo's conformance fixture served unprefixed behind `/mcp`. Every
 * scenario is expected to pass; a failure names the scenario and the check that failed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startInProcess, tempDir } from './support/gateway.ts';

const FIXTURE = new URL('../../../tooling/fixtures/mcp/conformance-server.ts', import.meta.url).pathname;
const RUNNER = new URL('../../../tooling/conformance/run.ts', import.meta.url).pathname;

interface Score {
  passed: number;
  total: number;
  scenarios: { name: string; passed: boolean; reason?: string }[];
}

describe('MCP conformance through the gateway', () => {
  it('passes every scenario of the default server suite', { timeout: 300_000 }, async () => {
    const { url } = await startInProcess({
      mcpServers: { conformance: { command: process.execPath, args: [FIXTURE], prefix: false, tier: 'hot' } },
    });
    const out = join(await tempDir(), 'score.json');
    const child = Bun.spawn([process.execPath, RUNNER, url, '--json', out], {
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    expect(code, stderr).toBe(0);
    const score = JSON.parse(await readFile(out, 'utf8')) as Score;
    const failed = score.scenarios.filter((s) => !s.passed).map((s) => `${s.name}: ${s.reason}`);
    expect(failed, stdout).toEqual([]);
    expect(score.total).toBeGreaterThanOrEqual(30);
  });
});
