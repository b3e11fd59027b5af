/**
 * `warmup`: a tool called once on each new worker before it is handed out, so that a session's
 * first call does not pay the backend's own first-call cost.
 */
import { describe, expect, it } from 'vitest';
import { type ConfigIssue, formatIssue, isConfigError } from '../src/config/errors.ts';
import { parseConfigValue } from '../src/config/load.ts';
import { connectClient, fixtureEntry, startInProcess } from './support/gateway.ts';
import { textOf } from './support/third-party.ts';

function issuesOf(value: unknown): ConfigIssue[] {
  try {
    parseConfigValue(value as never, { source: 'test.json', baseDir: '/tmp', env: {} });
  } catch (error) {
    if (isConfigError(error)) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('warmup', () => {
  it('calls the tool once on each new worker before any session uses it', { timeout: 30_000 }, async () => {
    const { url } = await startInProcess({
      mcpServers: {
        warm: fixtureEntry('warm', { tier: 'hot', warmup: { tool: 'echo', arguments: { text: 'warming' } } }),
        plain: fixtureEntry('plain', { tier: 'hot' }),
      },
    });
    const client = await connectClient(url);
    const callsOf = async (backend: string) =>
      (
        JSON.parse(textOf(await client.callTool({ name: `${backend}__whoami`, arguments: {} }))) as {
          calls: number;
        }
      ).calls;
    // whoami counts itself: the warmed worker has also served the warmup echo.
    expect(await callsOf('warm')).toBe(2);
    expect(await callsOf('plain')).toBe(1);
  });

  it('a warmup call that fails (an unknown tool) fails the backend’s start with a reason naming it', {
    timeout: 30_000,
  }, async () => {
    const { origin } = await startInProcess({
      mcpServers: { bad: fixtureEntry('bad', { tier: 'hot', warmup: { tool: 'nope' } }) },
    });
    const ready = await fetch(`${origin}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toMatch(/warmup call of nope failed/);
  });

  it('is a config error on a remote entry, and needs a tool name', () => {
    expect(
      issuesOf({ mcpServers: { r: { url: 'https://example.com/mcp', warmup: { tool: 'x' } } } }).map(
        formatIssue,
      ),
    ).toEqual([
      'mcpServers.r.warmup: expected no warmup on a remote entry (warmup goes with command or module: workers the gateway starts); found warmup beside url',
    ]);
    expect(issuesOf({ mcpServers: { s: { command: 'x', warmup: {} } } }).map(formatIssue)).toEqual([
      'mcpServers.s.warmup.tool: expected a tool name; found nothing',
    ]);
  });
});
