/**
 * The MCP conformance suite (`@modelcontextprotocol/conformance`, server scenarios, default suite)
 * through the gateway: the repo's conformance fixture served unprefixed behind `/mcp`. Every
 * scenario is expected to pass; a failure names the scenario and the check that failed.
 */
import { describe, expect, it } from 'vitest';
import { runConformance } from './support/conformance.ts';

describe('MCP conformance through the gateway', () => {
  it('passes every scenario of the default server suite', { timeout: 300_000 }, async () => {
    const run = await runConformance();
    expect(run.code, run.stderr).toBe(0);
    const score = await run.score();
    const stdout = run.stdout;
    const failed = score.scenarios.filter((s) => !s.passed).map((s) => `${s.name}: ${s.reason}`);
    expect(failed, stdout).toEqual([]);
    expect(score.total).toBeGreaterThanOrEqual(30);
  });
});
