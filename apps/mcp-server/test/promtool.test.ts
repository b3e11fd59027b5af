/**
 * The `/metrics` exposition of a running gateway (the real CLI, after real calls) passes
 * `promtool check metrics` — Prometheus's own parser and linter (Debian's `prometheus` package;
 * CI installs it). `switchyard_backend_start_seconds` is a summary: quantiles, `_sum`, `_count`.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectClient, fixtureEntry, startServe, tempDir } from './support/gateway.ts';

const PROMTOOL = Bun.which('promtool');

const TITLE =
  PROMTOOL === null
    ? 'promtool check metrics — skipped: promtool is not installed (apt-get install prometheus)'
    : 'promtool check metrics';

describe.skipIf(PROMTOOL === null)(TITLE, () => {
  it('finds no problem in the exposition of a running gateway', async () => {
    const dir = await tempDir();
    const config = join(dir, 'switchyard.json');
    await writeFile(config, JSON.stringify({ mcpServers: { fx: fixtureEntry('fx', { tier: 'hot' }) } }));
    const serve = await startServe(['--config', config], { cwd: dir });
    const client = await connectClient(serve.url);
    await client.callTool({ name: 'fx__echo', arguments: { text: 'hi' } });
    await client.listTools();
    await fetch(`${new URL(serve.url).origin}/healthz`);

    const response = await fetch(`${new URL(serve.url).origin}/metrics`);
    expect(response.status).toBe(200);
    const exposition = await response.text();
    expect(exposition).toMatch(/^# TYPE switchyard_backend_start_seconds summary$/m);
    expect(exposition).toMatch(
      /^switchyard_backend_start_seconds\{backend="fx",quantile="0\.5"\} [0-9.e-]+$/m,
    );
    expect(exposition).toMatch(/^switchyard_backend_start_seconds_sum\{backend="fx"\} [0-9.e-]+$/m);
    expect(exposition).toMatch(/^switchyard_backend_start_seconds_count\{backend="fx"\} 1$/m);

    const check = Bun.spawn([PROMTOOL!, 'check', 'metrics'], {
      stdin: new TextEncoder().encode(exposition),
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const [code, out, err] = await Promise.all([
      check.exited,
      new Response(check.stdout).text(),
      new Response(check.stderr).text(),
    ]);
    expect(`${out}${err}`).toBe('');
    expect(code).toBe(0);
  }, 60_000);
});
