/**
 * `switchyard journal tail|export` against the journal of a running gateway (real SQLite, read
 * while the gateway writes it).
 */
import { Database } from 'bun:sqlite';
import { statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createJournal, sqliteDriver } from '@switchyard/journal';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.ts';
import { connectClient, fixtureEntry, startServe, tempDir } from './support/gateway.ts';

const CLI = new URL('../src/cli.ts', import.meta.url).pathname;

/** A journal of `calls` audit entries at `dir`/j.db, and a configuration naming it; returns the config path. */
async function journalOf(dir: string, calls: number): Promise<string> {
  const journal = await createJournal({ driver: sqliteDriver({ path: join(dir, 'j.db') }) });
  for (let i = 0; i < calls; i++) {
    await journal.audit({
      method: 'tools/call',
      name: 'echo',
      durationMs: 1,
      outcome: 'ok',
      request: JSON.stringify({ i }),
      response: JSON.stringify({ text: 'x'.repeat(200) }),
    });
  }
  await journal.close();
  const config = join(dir, 'switchyard.json');
  await writeFile(config, JSON.stringify({ mcpServers: {}, switchyard: { journal: { path: './j.db' } } }));
  return config;
}

describe('switchyard journal, read by a reader that stops early', () => {
  it.each([
    ['export', ['journal', 'export']],
    ['tail', ['journal', 'tail', '--limit', '5000']],
  ])('%s | head ends quietly with exit code 0', { timeout: 30_000 }, async (_name, args) => {
    const dir = await tempDir();
    // About 1.3 MB of JSON Lines: far more than a pipe holds, so the writer meets the closed pipe.
    const config = await journalOf(dir, 5000);
    const child = Bun.spawn(
      [
        'bash',
        '-c',
        '"$@" | head -c 100 > /dev/null; exit "${PIPESTATUS[0]}"',
        'sh',
        process.execPath,
        CLI,
        ...args,
        '--config',
        config,
      ],
      { cwd: dir, stdout: 'ignore', stderr: 'pipe', env: { PATH: process.env.PATH ?? '' } },
    );
    const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
    expect(stderr).not.toContain('EPIPE');
    // Only the line naming the file it read.
    expect(stderr).toBe(
      `switchyard journal: reading ${join(dir, 'j.db')} (switchyard.journal.path of ${config})\n`,
    );
    expect(code).toBe(0);
  });

  it('opens the journal read-only: an older file is read, neither migrated nor written', {
    timeout: 30_000,
  }, async () => {
    const dir = await tempDir();
    const config = await journalOf(dir, 3);
    const path = join(dir, 'j.db');
    // A version-2 journal, as an older gateway left it: opening it read-write would migrate it.
    const db = new Database(path);
    for (const index of ['events_payload', 'audit_request', 'audit_response', 'payloads_block'])
      db.run(`DROP INDEX ${index}`);
    db.run('PRAGMA user_version = 2');
    db.close();
    const before = statSync(path).mtimeMs;

    const tail = await runCli(['journal', 'tail', '--config', config], { cwd: dir });
    expect(tail.code, tail.stderr).toBe(0);
    expect(tail.stdout.trim().split('\n')).toHaveLength(3);
    const exported = await runCli(['journal', 'export', '--config', config], { cwd: dir });
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout.trim().split('\n')).toHaveLength(3);

    const after = new Database(path, { readonly: true });
    expect(after.query('PRAGMA user_version').get()).toEqual({ user_version: 2 });
    after.close();
    expect(statSync(path).mtimeMs).toBe(before);
  });
});

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

describe('switchyard journal finds its configuration as serve does', () => {
  it('--config, else SWITCHYARD_CONFIG, else ./switchyard.json, else the embedded default; says which it read', {
    timeout: 30_000,
  }, async () => {
    const dir = await tempDir();
    await journalOf(dir, 2);
    const journalPath = join(dir, 'j.db');

    // ./switchyard.json in the directory it runs in.
    const local = await runCli(['journal', 'tail'], { cwd: dir });
    expect(local.code, local.stderr).toBe(0);
    expect(local.stdout.trim().split('\n')).toHaveLength(2);
    expect(local.stderr).toBe(
      `switchyard journal: reading ${journalPath} (switchyard.journal.path of switchyard.json)\n`,
    );

    // SWITCHYARD_CONFIG, from elsewhere.
    const elsewhere = await tempDir();
    const fromEnv = await runCli(['journal', 'export'], {
      cwd: elsewhere,
      env: { SWITCHYARD_CONFIG: join(dir, 'switchyard.json') },
    });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(fromEnv.stdout.trim().split('\n')).toHaveLength(2);
    expect(fromEnv.stderr).toContain(
      `reading ${journalPath} (switchyard.journal.path of ${join(dir, 'switchyard.json')}, from SWITCHYARD_CONFIG)`,
    );

    // --config wins over SWITCHYARD_CONFIG; a relative one is relative to where it runs.
    await mkdir(join(elsewhere, 'other'));
    await writeFile(
      join(elsewhere, 'other', 'c.json'),
      JSON.stringify({ mcpServers: {}, switchyard: { journal: { path: './none.db' } } }),
    );
    const flag = await runCli(['journal', 'tail', '--config', 'other/c.json'], {
      cwd: elsewhere,
      env: { SWITCHYARD_CONFIG: join(dir, 'switchyard.json') },
    });
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain(
      `no journal at ${join(elsewhere, 'other', 'none.db')} (switchyard.journal.path of other/c.json)`,
    );

    // Nothing: the embedded default's ./switchyard.db, named.
    const none = await runCli(['journal', 'tail'], { cwd: elsewhere });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(
      `no journal at ${join(elsewhere, 'switchyard.db')} (switchyard.journal.path of the embedded default)`,
    );
  });
});
