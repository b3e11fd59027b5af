/**
 * `switchyard journal tail|export` against the journal of a running gateway (real SQLite, read
 * while the gateway writes it).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.ts';
import { connectClient, fixtureEntry, startServe, tempDir } from './support/gateway.ts';

describe('switchyard journal', () => {
  it('tail shows the calls a client made; export writes the session and its calls as JSON Lines', {
    timeout: 30_000,
  }, async () => {
    const dir = await tempDir();
    const config = join(dir, 'switchyard.json');
    await writeFile(
      config,
      JSON.stringify({
        mcpServers: { fx: fixtureEntry('fx', { tier: 'hot' }) },
        switchyard: { journal: { path: './j.db' } },
      }),
    );
    const serve = await startServe(['--config', config], { cwd: dir });
    const client = await connectClient(serve.url);
    await client.callTool({ name: 'fx__echo', arguments: { text: 'journaled' } });
    await client.callTool({ name: 'fx__add', arguments: { a: 1, b: 1 } });

    // The journal commits in groups: wait until both calls are visible.
    let entries: { method: string; name: string | null; outcome: string; sessionId: string }[] = [];
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const tail = await runCli(['journal', 'tail', '--config', config, '--limit', '5'], { cwd: dir });
      expect(tail.code, tail.stderr).toBe(0);
      entries = tail.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      if (entries.filter((e) => e.method === 'tools/call').length === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const calls = entries.filter((e) => e.method === 'tools/call');
    expect(calls.map((e) => [e.name, e.outcome])).toEqual([
      ['fx__echo', 'ok'],
      ['fx__add', 'ok'],
    ]);

    const session = calls[0]!.sessionId;
    const exported = await runCli(['journal', 'export', '--config', config, '--session', session], {
      cwd: dir,
    });
    expect(exported.code, exported.stderr).toBe(0);
    const records = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; id?: unknown });
    expect(records.find((r) => r.type === 'session')?.id).toBe(session);
    expect(records.filter((r) => r.type === 'audit').length).toBeGreaterThanOrEqual(2);
  });
});
