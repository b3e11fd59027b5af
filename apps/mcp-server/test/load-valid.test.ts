import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfigValue } from '../src/config/load.ts';
import { CLIENT_KEYS } from '../src/config/schema.ts';
import { revealAll } from '../src/config/secret.ts';
import { tempDir, writeConfig } from './helpers.ts';

describe('loading valid configurations', () => {
  it('takes a file with only mcpServers and fills every default', async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, 'only.json', {
      mcpServers: { fs: { command: 'npx', args: ['-y', 'srv'] } },
    });
    const config = await loadConfigFile(file, { env: {} });
    expect(config.source).toBe(file);
    expect(config.backends).toEqual([
      {
        name: 'fs',
        kind: 'stdio',
        command: 'npx',
        args: ['-y', 'srv'],
        env: {},
        inheritEnv: false,
        tier: 'warm',
        replicas: { min: 1, max: 1 },
        isolation: 'shared',
        prefix: 'fs',
        tools: {},
        timeouts: { startMs: 30_000, callMs: 60_000, idleMs: 300_000, tools: {} },
        limits: { concurrency: 16, queue: 256 },
        resilience: {
          outlier: { consecutiveFailures: 5, ejectionMs: 30_000, maxEjectionPercent: 50 },
          breaker: { failureRate: 0.5, minimumCalls: 20, windowMs: 10_000, cooldownMs: 10_000 },
        },
        era: 'auto',
      },
    ]);
    expect(config.settings).toEqual({
      listen: { host: '127.0.0.1', port: 7331, publicNames: [] },
      auth: { tokens: [], allowUnauthenticatedLoopback: true },
      admin: { principals: [] },
      policy: { default: 'allow', groupsClaim: 'groups', rules: [] },
      journal: {
        path: join(dir, 'switchyard.db'),
        auditPayloads: false,
        cacheKiB: 16 * 1024,
        mmapBytes: 256 * 1024 * 1024,
        retention: { maxAgeMs: 604_800_000, maxBytes: 1_073_741_824 },
      },
      budget: { processes: 64, memoryMb: 4_096 },
      admission: {
        rateLimit: false,
        concurrency: 256,
        queue: 1_024,
        queueTimeoutMs: 10_000,
        concurrencyPerPrincipal: 64,
        principals: {},
      },
      affinity: { key: 'principal' },
      origins: { allow: [] },
      limits: {
        maxBodyBytes: 4_194_304,
        bodyTimeoutMs: 10_000,
        maxBatchSize: 64,
        streamsPerPrincipal: 32,
        resumeGraceMs: 30_000,
        bufferedBytesPerStream: 8_388_608,
        sessions: 10_000,
        sessionsPerPrincipal: 1_000,
        listensPerSession: 16,
        pendingClientRequestsPerSession: 16,
        tasksPerPrincipal: 100,
        taskTtlMs: 3_600_000,
        taskResultBytes: 1_048_576,
      },
      namespacing: { separator: '__' },
      sessions: { idleTimeoutMs: 600_000, stateLost: 'error' },
      shutdown: { graceMs: 10_000 },
      log: { access: true },
      telemetry: { metricsIntervalMs: 60_000 },
    });
  });

  it('takes a Claude Desktop file as it is, other clients’ keys and top-level keys included', async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, 'claude_desktop_config.json', {
      globalShortcut: 'Ctrl+Space',
      mcpServers: {
        filesystem: {
          command: 'npx',
          args: ['-y', '@modelcontextprotocol/server-filesystem', '/Users/me/Desktop'],
        },
        github: {
          command: 'docker',
          args: [
            'run',
            '-i',
            '--rm',
            '-e',
            'GITHUB_PERSONAL_ACCESS_TOKEN',
            'ghcr.io/github/github-mcp-server',
          ],
          env: { GITHUB_PERSONAL_ACCESS_TOKEN: '${GH_PAT}' },
          autoApprove: ['get_me'],
          alwaysAllow: ['search_repositories'],
          timeout: 60,
          description: 'GitHub',
        },
        old: { command: '${NOT_SET_ANYWHERE}', disabled: true, mystery: { anything: 1 } },
      },
    });
    const config = await loadConfigFile(file, { env: { GH_PAT: 'ghp_secret' } });
    expect(config.backends.map((b) => b.name)).toEqual(['filesystem', 'github']);
    expect(config.skipped).toEqual(['old']);
    const github = config.backends[1];
    expect(github?.kind === 'stdio' && github.env).toEqual({ GITHUB_PERSONAL_ACCESS_TOKEN: 'ghp_secret' });
  });

  it('accepts and ignores every documented key of other clients', async () => {
    const dir = await tempDir();
    const entry = Object.fromEntries(
      CLIENT_KEYS.map((key) => [key, key === 'disabled' ? false : ['anything']]),
    );
    const file = await writeConfig(dir, 'clients.json', { mcpServers: { a: { command: 'x', ...entry } } });
    const config = await loadConfigFile(file, { env: {} });
    expect(config.backends.map((b) => b.name)).toEqual(['a']);
    expect(Object.keys(config.backends[0] ?? {})).not.toContain('autoApprove');
  });

  it('takes remote entries of every type, http meaning streamable-http', async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, 'remote.json', {
      mcpServers: {
        a: { url: 'https://a.example.com/mcp' },
        b: { type: 'http', url: 'https://b.example.com/mcp', headers: { Authorization: 'Bearer ${TOKEN}' } },
        c: { type: 'streamable-http', url: 'http://127.0.0.1:9000/mcp' },
        d: { type: 'sse', url: 'https://d.example.com/sse' },
        e: { transportType: 'sse', url: 'https://e.example.com/sse' },
      },
    });
    const config = await loadConfigFile(file, { env: { TOKEN: 't0k' } });
    expect(config.backends.map((b) => (b.kind === 'remote' ? [b.name, b.transport] : b.kind))).toEqual([
      ['a', 'streamable-http'],
      ['b', 'streamable-http'],
      ['c', 'streamable-http'],
      ['d', 'sse'],
      ['e', 'sse'],
    ]);
    const b = config.backends[1];
    expect(b?.kind === 'remote' && revealAll(b.headers)).toEqual({ Authorization: 'Bearer t0k' });
  });

  it('takes module entries, with or without type, paths relative to the file', async () => {
    const dir = await tempDir();
    // A configuration read from a file names module files that exist.
    await mkdir(join(dir, 'tools'));
    await writeConfig(dir, 'tools/mine.ts', 'export default {};');
    const absolute = await writeConfig(dir, 'typed.ts', 'export default {};');
    const file = await writeConfig(dir, 'modules.json', {
      mcpServers: {
        mine: { module: './tools/mine.ts', tier: 'hot' },
        typed: { type: 'module', module: absolute },
        local: { command: './bin/server.sh', cwd: 'work' },
      },
    });
    const config = await loadConfigFile(file, { env: {} });
    expect(config.backends.map((b) => [b.name, b.kind, b.tier])).toEqual([
      ['mine', 'module', 'hot'],
      ['typed', 'module', 'warm'],
      ['local', 'stdio', 'warm'],
    ]);
    const [mine, typed, local] = config.backends;
    expect(mine?.kind === 'module' && mine.module).toBe(join(dir, 'tools/mine.ts'));
    expect(typed?.kind === 'module' && typed.module).toBe(absolute);
    expect(local?.kind === 'stdio' && [local.command, local.cwd]).toEqual([
      join(dir, 'bin/server.sh'),
      join(dir, 'work'),
    ]);
  });

  it('takes every Switchyard key, and digit strings from ${VAR:-default} for integers', async () => {
    const dir = await tempDir();
    const file = await writeConfig(
      dir,
      'full.jsonc',
      `{
        // Switchyard's keys beside the client's
        "$schema": "./schema/switchyard.schema.json",
        "mcpServers": {
          "gh": {
            "command": "gh-mcp",
            "tier": "auto", "replicas": { "min": 0, "max": 4 }, "isolation": "per-session",
            "prefix": "git", "tools": { "allow": ["search_*"], "deny": ["search_secrets"] },
            "timeouts": { "startMs": 5000, "callMs": "\${CALL_MS:-1500}" }, "limits": { "concurrency": 2, "queue": 0 },
            "era": 2026, "inheritEnv": ["AWS_PROFILE", "HTTPS_PROXY"],
          },
          "plain": { "command": "x", "prefix": false, "replicas": 3, "inheritEnv": true },
          "mine": { "command": "y", "isolation": "per-principal" },
        },
        "switchyard": {
          "listen": { "host": "0.0.0.0", "port": "\${PORT:-8080}" },
          "auth": { "tokens": [{ "token": "0123456789abcdef", "principal": "ci" }, { "tokenEnv": "ALICE_TOKEN", "principal": "alice" }], "allowUnauthenticatedLoopback": false },
          "journal": { "path": "/var/lib/switchyard.db", "retention": { "maxAgeMs": 86400000 } },
          "budget": { "processes": 8, "memoryMb": 2048 },
          "admission": { "rateLimit": { "perSecond": 20, "burst": 40 }, "concurrency": 10, "queue": 5, "queueTimeoutMs": 100 },
          "affinity": { "key": { "header": "X-User" } },
          "origins": { "allow": ["https://app.example.com"] },
          "limits": { "maxBodyBytes": 1024 },
          "namespacing": { "separator": "." },
        },
      }`,
    );
    const config = await loadConfigFile(file, {
      env: { PORT: '9999', ALICE_TOKEN: 'alice-token-0123456789' },
    });
    const [gh, plain, mine] = config.backends;
    expect(gh).toMatchObject({
      tier: 'auto',
      replicas: { min: 0, max: 4 },
      isolation: 'per-session',
      prefix: 'git',
      tools: { allow: ['search_*'], deny: ['search_secrets'] },
      timeouts: { startMs: 5000, callMs: 1500, idleMs: 300_000, tools: {} },
      limits: { concurrency: 2, queue: 0 },
      era: '2026',
      inheritEnv: ['AWS_PROFILE', 'HTTPS_PROXY'],
    });
    expect(plain).toMatchObject({ prefix: false, replicas: { min: 3, max: 3 }, inheritEnv: true });
    // per-principal takes per-session's default replicas.
    expect(mine).toMatchObject({
      isolation: 'per-principal',
      replicas: { min: 1, max: 16 },
      inheritEnv: false,
    });
    expect(config.settings.listen).toEqual({ host: '0.0.0.0', port: 9999, publicNames: [] });
    expect(config.settings.auth).toEqual({
      allowUnauthenticatedLoopback: false,
      tokens: [
        { token: '0123456789abcdef', principal: 'ci' },
        { token: 'alice-token-0123456789', principal: 'alice' },
      ],
    });
    expect(config.settings.affinity.key).toEqual({ header: 'X-User' });
    expect(config.settings.admission.rateLimit).toEqual({ perSecond: 20, burst: 40, scope: 'node' });
    expect(config.settings.journal.path).toBe('/var/lib/switchyard.db');
  });

  it("keeps journal.path ':memory:' as SQLite's name for no file, not a path under the config's folder", () => {
    const config = parseConfigValue(
      { mcpServers: {}, switchyard: { journal: { path: ':memory:' } } },
      { source: 't', baseDir: '/etc/switchyard', env: {} },
    );
    expect(config.settings.journal.path).toBe(':memory:');
  });
});
