/**
 * `switchyard journal tail|export|sessions` against the journal of a running gateway (real SQLite, read
 * while the gateway writes it).
 */
import { Database } from 'bun:sqlite';
import { statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createJournal, type Journal, sqliteDriver } from '@switchyard/journal';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.ts';
import { connectClient, fixtureEntry, type ServeProcess, startServe, tempDir } from './support/gateway.ts';

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
    timeout: 45_000,
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
    // No sessions in it; the listing of an old file (no index to read it by) works all the same.
    const sessions = await runCli(['journal', 'sessions', '--config', config], { cwd: dir });
    expect(sessions.code, sessions.stderr).toBe(0);
    expect(sessions.stdout).toBe('');

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

interface SessionLine {
  id: string;
  principal: string | null;
  protocolVersion: string;
  clientInfo: { name: unknown; version: unknown } | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  backends: string[];
  state: string[];
  logLevel: string | null;
  subscriptions: number;
}

async function sessionsOf(config: string, dir: string, ...args: string[]): Promise<SessionLine[]> {
  const ran = await runCli(['journal', 'sessions', '--config', config, ...args], { cwd: dir });
  expect(ran.code, ran.stderr).toBe(0);
  return ran.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SessionLine);
}

/** Lists until `check` holds (the gateway's journal commits in groups), at most 5 s. */
async function sessionsWhen(
  config: string,
  dir: string,
  check: (lines: SessionLine[]) => boolean,
  ...args: string[]
): Promise<SessionLine[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const lines = await sessionsOf(config, dir, ...args);
    if (check(lines) || Date.now() > deadline) return lines;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function textOf(result: unknown): string {
  return (result as { content: { text: string }[] }).content.map((c) => c.text).join('');
}

describe('switchyard journal sessions', () => {
  it('lists the sessions of a running gateway, newest first, ids cut unless --full-ids; after SIGTERM they are still listed, and a gateway started on the journal continues them', {
    timeout: 60_000,
  }, async () => {
    const dir = await tempDir();
    const config = join(dir, 'switchyard.json');
    const port = (() => {
      const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() });
      const p = server.port as number;
      server.stop(true);
      return p;
    })();
    await writeFile(
      config,
      JSON.stringify({
        mcpServers: { fx: fixtureEntry('fx'), mine: fixtureEntry('mine', { isolation: 'per-session' }) },
        switchyard: { journal: { path: './j.db' }, sessions: { idleTimeoutMs: 120_000 } },
      }),
    );
    const first: ServeProcess = await startServe(['--config', config, '--port', String(port)], { cwd: dir });
    const older = await connectClient(first.url, { name: 'older-client' });
    await older.setLoggingLevel('debug');
    await older.callTool({ name: 'mine__echo', arguments: { text: 'binds mine' } });
    // A later creation time than the first session's, whatever the clock's resolution.
    await new Promise((r) => setTimeout(r, 20));
    const newer = await connectClient(first.url, { name: 'newer-client' });
    await newer.callTool({ name: 'fx__echo', arguments: { text: 'shared only' } });
    const ids = [older, newer].map((c) => (c.transport as { sessionId?: string }).sessionId ?? '');
    expect(ids.every((id) => id.length > 8)).toBe(true);

    const listed = await sessionsWhen(
      config,
      dir,
      (l) => l.length === 2 && l.some((s) => s.backends.length > 0 && s.logLevel !== null),
    );
    expect(listed.map((s) => s.id)).toEqual([`${ids[1]!.slice(0, 8)}…`, `${ids[0]!.slice(0, 8)}…`]);
    const [n, o] = listed as [SessionLine, SessionLine];
    expect(n).toMatchObject({
      principal: 'local',
      clientInfo: { name: 'newer-client', version: '1.0.0' },
      backends: [],
      logLevel: null,
      subscriptions: 0,
    });
    expect(o).toMatchObject({
      clientInfo: { name: 'older-client', version: '1.0.0' },
      backends: ['mine'],
      logLevel: 'debug',
      subscriptions: 0,
    });
    expect(o.state).toEqual(expect.arrayContaining(['capabilities', 'logLevel']));
    expect(n.protocolVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const s of listed) {
      // ISO times; expiry is the gateway's idle timeout after the last touch (before the journal's 30 min).
      expect(new Date(s.createdAt).toISOString()).toBe(s.createdAt);
      expect(Date.parse(s.expiresAt) - Date.parse(s.lastSeenAt)).toBe(120_000);
    }
    expect(Date.parse(n.createdAt)).toBeGreaterThan(Date.parse(o.createdAt));

    const full = await sessionsOf(config, dir, '--full-ids', '--limit', '1');
    expect(full.map((s) => s.id)).toEqual([ids[1]]);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    // Live and restorable: still listed with the gateway gone …
    expect((await sessionsOf(config, dir, '--full-ids')).map((s) => s.id)).toEqual([ids[1], ids[0]]);
    // … and continued by the next gateway on the journal, the clients never initializing again.
    const second = await startServe(['--config', config, '--port', String(port)], { cwd: dir });
    expect(second.url).toBe(first.url);
    expect(textOf(await older.callTool({ name: 'fx__echo', arguments: { text: 'restored' } }))).toBe(
      'restored',
    );
    expect(textOf(await newer.callTool({ name: 'fx__echo', arguments: { text: 'restored' } }))).toBe(
      'restored',
    );
    // Ended by its client (DELETE): no longer listed.
    await (newer.transport as unknown as { terminateSession(): Promise<void> }).terminateSession();
    const after = await sessionsWhen(config, dir, (l) => l.length === 1, '--full-ids');
    expect(after.map((s) => s.id)).toEqual([ids[0]]);
  });

  it('leaves out what a gateway would not continue: expired in the journal, or idle past sessions.idleTimeoutMs', {
    timeout: 30_000,
  }, async () => {
    const dir = await tempDir();
    const now = Date.now();
    let time = now - 3_600_000;
    const journal: Journal = await createJournal({
      driver: sqliteDriver({ path: join(dir, 'j.db') }),
      clock: { now: () => time },
    });
    // An hour ago, never expiring in the journal, never seen since: idle past the gateway's timeout.
    await journal.createSession({ id: 'idle-session-1', protocolVersion: '2025-06-18', ttlMs: null });
    time = now - 30_000;
    // Seen 30 s ago with a 10 s time-to-live: expired.
    await journal.createSession({ id: 'expired-session', protocolVersion: '2025-06-18', ttlMs: 10_000 });
    await journal.createSession({
      id: 'live-session-00',
      principal: 'alice',
      protocolVersion: '2025-11-25',
      clientInfo: { name: 'inspector', version: '0.9.1', title: 'not shown' },
      bindings: { notes: 'bound', mine: 'bound' },
      state: {
        capabilities: {},
        logLevel: 'warning',
        subscriptions: { 'fx\u0000fixture://a': 'fx+fixture://a', 'fx\u0000fixture://b': 'fx+fixture://b' },
      },
      ttlMs: null,
    });
    time = now - 20_000;
    await journal.createSession({ id: 'live-session-01', protocolVersion: '2025-06-18' });
    await journal.close();
    const config = join(dir, 'switchyard.json');
    await writeFile(
      config,
      JSON.stringify({
        mcpServers: {},
        switchyard: { journal: { path: './j.db' }, sessions: { idleTimeoutMs: 60_000 } },
      }),
    );

    const listed = await sessionsOf(config, dir, '--full-ids');
    expect(listed.map((s) => s.id)).toEqual(['live-session-01', 'live-session-00']);
    expect(listed[1]).toEqual({
      id: 'live-session-00',
      principal: 'alice',
      protocolVersion: '2025-11-25',
      clientInfo: { name: 'inspector', version: '0.9.1' },
      createdAt: new Date(now - 30_000).toISOString(),
      lastSeenAt: new Date(now - 30_000).toISOString(),
      // No journal expiry: the gateway's idle timeout decides.
      expiresAt: new Date(now + 30_000).toISOString(),
      backends: ['mine', 'notes'],
      state: ['capabilities', 'logLevel', 'subscriptions'],
      logLevel: 'warning',
      subscriptions: 2,
    });
    expect((await sessionsOf(config, dir, '--limit', '1')).map((s) => s.id)).toEqual(['live-ses…']);
  });

  it('refuses options of the other subcommands, arguments, and a --limit out of range (usage errors, exit 2)', {
    timeout: 90_000,
  }, async () => {
    const cases: [string[], string][] = [
      [['journal', 'sessions', '--follow'], '--follow is an option of journal tail, not of journal sessions'],
      [
        ['journal', 'sessions', '--since', '0'],
        '--since is an option of journal export, not of journal sessions',
      ],
      [
        ['journal', 'export', '--full-ids'],
        '--full-ids is an option of journal sessions, not of journal export',
      ],
      [['journal', 'tail', '--full-ids'], '--full-ids is an option of journal sessions, not of journal tail'],
      [
        ['journal', 'export', '--limit', '3'],
        '--limit is an option of journal tail and journal sessions, not of journal export',
      ],
      [['journal', 'sessions', 'all'], 'journal sessions takes no arguments; found all'],
      [['journal', 'sessions', '--limit', '0'], '--limit must be a positive integer; found "0"'],
      [
        ['journal', 'sessions', '--limit', '10001'],
        '--limit of journal sessions is at most 10000; found 10001',
      ],
      [['journal', 'sessions', '--bogus'], "journal: Unknown option '--bogus'"],
      [['journal', 'list'], 'journal needs one of export, tail, sessions; found "list"'],
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await runCli(args, { cwd: await tempDir() });
      expect(code, args.join(' ')).toBe(2);
      expect(stdout).toBe('');
      expect(stderr, args.join(' ')).toContain(message);
      expect(stderr).toContain('Usage: switchyard journal export|tail|sessions');
    }
    const help = await runCli(['journal', '--help']);
    expect(help.stdout).toContain('live and restorable');
    expect(help.stdout).toContain('--full-ids');
  });
});
