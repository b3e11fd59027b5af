import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigIssue, formatIssue, isConfigError } from '../src/config/errors.ts';
import { loadConfigFile, parseConfigValue } from '../src/config/load.ts';
import { tempDir, writeConfig } from './helpers.ts';

/** The issues a configuration value raises (failing the test if it raises none). */
function issuesOf(value: unknown, env: Record<string, string> = {}): ConfigIssue[] {
  try {
    parseConfigValue(value as never, { source: 'test.json', baseDir: '/tmp', env });
  } catch (error) {
    if (isConfigError(error)) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

function lines(value: unknown, env: Record<string, string> = {}): string[] {
  return issuesOf(value, env).map(formatIssue);
}

const stdio = (extra: Record<string, unknown>) => ({ mcpServers: { s: { command: 'x', ...extra } } });

describe('refusing bad configurations', () => {
  it('a wrong type', () => {
    expect(lines(stdio({ args: 'one two' }))).toEqual([
      'mcpServers.s.args: expected an array; found "one two"',
    ]);
    expect(lines({ mcpServers: [] })).toEqual([
      'mcpServers: expected an object of MCP servers by name; found an array',
    ]);
    expect(lines(stdio({ env: { A: 1 } }))).toEqual([
      'mcpServers.s.env.A: expected a string, { "env": "NAME" } or { "file": "path" }; found 1',
    ]);
  });

  it('an unknown enum value, listing the allowed ones', () => {
    expect(lines(stdio({ tier: 'hott' }))).toEqual([
      'mcpServers.s.tier: expected one of hot, warm, cold, auto; found "hott"',
    ]);
    expect(lines(stdio({ isolation: 'private' }))).toEqual([
      'mcpServers.s.isolation: expected one of shared, per-principal, per-session; found "private"',
    ]);
  });

  it('a bad backend name', () => {
    expect(lines({ mcpServers: { 'my server': { command: 'x' } } })).toEqual([
      'mcpServers["my server"]: expected a name of 1 to 64 letters, digits, _ or -; found "my server"',
    ]);
    expect(lines({ mcpServers: { 'a.b': { command: 'x' } } })).toHaveLength(1);
  });

  it('an unknown key under switchyard, and in an entry, naming the known ones', () => {
    const [issue] = issuesOf({ mcpServers: {}, switchyard: { lisen: { port: 1 } } });
    expect(issue).toMatchObject({
      path: 'switchyard.lisen',
      found: 'an unknown key "lisen" (did you mean "listen"?)',
    });
    expect(issue?.expected).toContain('listen');
    expect(lines({ mcpServers: {}, switchyard: { listen: { prot: 1 } } })[0]).toMatch(
      /^switchyard\.listen\.prot: /,
    );
    expect(issuesOf(stdio({ teir: 'hot' }))[0]).toMatchObject({ path: 'mcpServers.s.teir' });
  });

  it('an unknown key near a known one says "did you mean"; one near none does not', () => {
    expect(issuesOf(stdio({ teir: 'hot' }))[0]?.found).toBe('an unknown key "teir" (did you mean "tier"?)');
    expect(issuesOf(stdio({ Args: [] }))[0]?.found).toBe('an unknown key "Args" (did you mean "args"?)');
    expect(lines({ mcpServers: {}, switchyard: { listen: { prot: 1 } } })[0]).toMatch(
      /found an unknown key "prot" \(did you mean "port"\?\)$/,
    );
    expect(issuesOf(stdio({ frobnicate: 1 }))[0]?.found).toBe('an unknown key "frobnicate"');
  });

  it('an entry with neither command nor url nor module, or with two of them', () => {
    expect(lines({ mcpServers: { s: { args: [] } } })).toContain(
      'mcpServers.s: expected command (a stdio server), url (a remote server) or module (an in-process tool module); found none of them',
    );
    expect(lines({ mcpServers: { s: { command: 'x', url: 'https://a.test/mcp' } } })).toEqual([
      'mcpServers.s: expected only one of command, url and module; found command and url',
    ]);
    expect(lines({ mcpServers: { s: { type: 'module' } } })).toEqual([
      'mcpServers.s.module: expected a path (type is "module"); found nothing',
    ]);
  });

  it('keys of the wrong kind of entry, and a type that does not fit', () => {
    expect(lines({ mcpServers: { s: { url: 'https://a.test/mcp', env: { A: 'b' } } } })).toEqual([
      'mcpServers.s.env: expected no env on an entry with url (env goes with command); found env beside url',
    ]);
    expect(lines({ mcpServers: { m: { module: './tools.ts', inheritEnv: true } } })).toEqual([
      'mcpServers.m.inheritEnv: expected no inheritEnv on an entry with module (inheritEnv goes with command); found inheritEnv beside module',
    ]);
    expect(lines({ mcpServers: { s: { url: 'https://a.test/mcp', isolation: 'per-session' } } })).toEqual([
      'mcpServers.s.isolation: expected "shared" or "per-principal" on a remote entry (the remote server keeps its own sessions; per-principal gives each principal its own connection); found "per-session"',
    ]);
    expect(lines({ mcpServers: { s: { command: 'x', type: 'sse' } } })).toEqual([
      'mcpServers.s.type: expected "stdio" (or no type) for an entry with command; found "sse"',
    ]);
  });

  it('an unset environment variable, naming the path and the variable', () => {
    expect(lines(stdio({ env: { TOKEN: '${GITHUB_TOKEN}' } }))).toEqual([
      'mcpServers.s.env.TOKEN: expected the environment variable GITHUB_TOKEN to be set (or a default: ${GITHUB_TOKEN:-…}); found GITHUB_TOKEN unset',
    ]);
  });

  it('an unset environment variable is one problem however often it is used', () => {
    expect(
      lines({
        mcpServers: {
          a: { command: '${CMD}', args: ['${CMD}', '--x=${CMD}-${CMD}'] },
          b: { command: '${CMD}', env: { T: '${TOKEN}' } },
        },
      }),
    ).toEqual([
      'mcpServers.a.command: expected the environment variable CMD to be set (or a default: ${CMD:-…}); found CMD unset (also used at mcpServers.a.args.0, mcpServers.a.args.1, mcpServers.b.command)',
      'mcpServers.b.env.T: expected the environment variable TOKEN to be set (or a default: ${TOKEN:-…}); found TOKEN unset',
    ]);
    // Not reported again as a value of the wrong form.
    expect(lines({ mcpServers: {}, switchyard: { listen: { port: '${PORT}' } } })).toEqual([
      'switchyard.listen.port: expected the environment variable PORT to be set (or a default: ${PORT:-…}); found PORT unset',
    ]);
  });

  it('an auth token set neither way, too short, or from an unset variable', () => {
    const issues = issuesOf({
      mcpServers: {},
      switchyard: {
        auth: {
          tokens: [
            { principal: 'a' },
            { token: 'short', principal: 'b' },
            { tokenEnv: 'MISSING', principal: 'c' },
          ],
        },
      },
    });
    expect(issues.map((i) => i.path)).toEqual([
      'switchyard.auth.tokens.0',
      'switchyard.auth.tokens.1.token',
      'switchyard.auth.tokens.2.tokenEnv',
    ]);
  });

  it('a journal.redis url that is not a redis:// URL, without showing it (it may hold a password)', () => {
    const bad = (url: unknown) => lines({ mcpServers: {}, switchyard: { journal: { redis: { url } } } });
    const expected =
      'switchyard.journal.redis.url: expected a redis:// or rediss:// URL such as redis://127.0.0.1:6379 (redis://:${REDIS_PASSWORD}@host:6379 for a password)';
    for (const url of ['http://:hunter2secret@cache:6379', 'redis//:hunter2secret@cache']) {
      expect(bad(url)).toEqual([`${expected}; found a string of ${url.length} character(s)`]);
    }
    expect(bad(6379)).toEqual([`${expected}; found a number`]);
    expect(lines({ mcpServers: {}, switchyard: { journal: { redis: {} } } })).toEqual([
      `${expected}; found nothing`,
    ]);
    expect(
      lines({ mcpServers: {}, switchyard: { journal: { redis: { url: 'redis://h:1', keyPrefix: '' } } } }),
    ).toEqual(['switchyard.journal.redis.keyPrefix: expected a non-empty key prefix; found ""']);
    // From the environment, unset: the variable is named, never a value.
    expect(
      lines({
        mcpServers: {},
        switchyard: { journal: { redis: { url: 'redis://:${REDIS_PASSWORD}@h:6379' } } },
      }),
    ).toEqual([
      'switchyard.journal.redis.url: expected the environment variable REDIS_PASSWORD to be set (or a default: ${REDIS_PASSWORD:-…}); found REDIS_PASSWORD unset',
    ]);
  });

  it('out-of-range numbers and replicas with min above max', () => {
    expect(lines({ mcpServers: {}, switchyard: { listen: { port: 70000 } } })).toEqual([
      'switchyard.listen.port: expected an integer from 0 to 65535; found 70000',
    ]);
    expect(lines(stdio({ replicas: { min: 3, max: 2 } }))).toEqual([
      'mcpServers.s.replicas: expected min ≤ max; found min 3 and max 2',
    ]);
    expect(lines(stdio({ replicas: 0 }))).toEqual([
      'mcpServers.s.replicas: expected an integer ≥ 1; found 0',
    ]);
  });

  it('an origin with a path, and an era that does not exist', () => {
    expect(
      lines({
        mcpServers: {},
        switchyard: { origins: { allow: ['https://ok.example.com', 'https://a.example.com/app'] } },
      }),
    ).toEqual([
      'switchyard.origins.allow.1: expected an origin such as https://app.example.com (scheme, host and port; no path), or *; found "https://a.example.com/app"',
    ]);
    expect(lines(stdio({ era: 2024 }))).toEqual([
      'mcpServers.s.era: expected one of auto, 2025, 2026; found 2024',
    ]);
  });

  it('a value that fits no branch of a union', () => {
    expect(lines(stdio({ replicas: 'many' }))).toEqual([
      'mcpServers.s.replicas: expected a number of workers, or { "min": …, "max": … }; found "many"',
    ]);
    expect(lines(stdio({ prefix: true }))).toEqual([
      'mcpServers.s.prefix: expected a name of 1 to 64 letters, digits, _ or -, or false; found true',
    ]);
    expect(lines(stdio({ inheritEnv: 'yes' }))).toEqual([
      'mcpServers.s.inheritEnv: expected true, false, or an array of environment variable names; found "yes"',
    ]);
  });

  it('a document that is not an object, or has no mcpServers', () => {
    expect(lines([])).toEqual(['expected an object with an "mcpServers" key; found an array']);
    expect(lines({ switchyard: {} })).toEqual([
      'mcpServers: expected an object of MCP servers by name; found nothing',
    ]);
  });

  it('reports every problem at once, grouped by key', () => {
    const issues = issuesOf(
      {
        mcpServers: {
          a: { command: 'x', tier: 'hott', env: { T: '${UNSET}' } },
          b: { url: 'ftp://nope', teir: 'hot' },
          c: {},
        },
        switchyard: { bogus: true, listen: { port: 'eighty' } },
      },
      {},
    );
    expect(issues.map((i) => i.path)).toEqual([
      'mcpServers.a.env.T',
      'mcpServers.a.tier',
      'mcpServers.b.teir',
      'mcpServers.b.url',
      'mcpServers.c',
      'switchyard.bogus',
      'switchyard.listen.port',
    ]);
  });

  it('a file with bad JSON, naming the file, line and column', async () => {
    const dir = await tempDir();
    const file = await writeConfig(
      dir,
      'bad.json',
      '{\n  "mcpServers": {\n    "a": { "command": "x" }\n    "b": {}\n  }\n}',
    );
    const error = await loadConfigFile(file, { env: {} }).catch((e: unknown) => e);
    expect(isConfigError(error)).toBe(true);
    expect((error as ConfigError).issues).toEqual([
      { path: '', expected: '"," or "}"', found: `'"'`, line: 4, column: 5 },
    ]);
    expect((error as ConfigError).message).toBe(
      `${file}: 1 problem\n  line 4, column 5: expected "," or "}"; found '"'`,
    );
  });

  it('a module backend whose file does not exist, naming the key and the path it looked at', async () => {
    const dir = await tempDir();
    await writeConfig(dir, 'tools.ts', 'export default {};');
    const file = await writeConfig(dir, 'm.json', {
      mcpServers: { here: { module: './tools.ts' }, gone: { module: './missing/tools.ts', tier: 'hot' } },
    });
    const error = await loadConfigFile(file, { env: {} }).catch((e: unknown) => e);
    expect(isConfigError(error)).toBe(true);
    expect((error as ConfigError).issues).toEqual([
      {
        path: 'mcpServers.gone.module',
        expected: 'a tool module file that exists (relative to the configuration file)',
        found: `no file at ${join(dir, 'missing', 'tools.ts')}`,
      },
    ]);
  });

  it('a file that does not exist', async () => {
    const dir = await tempDir();
    const error = await loadConfigFile('nope.json', { env: {}, cwd: dir }).catch((e: unknown) => e);
    expect((error as ConfigError).issues).toEqual([
      { path: '', expected: 'a readable configuration file', found: 'no such file' },
    ]);
  });
});

describe('ConfigError', () => {
  it('is recognised by its brand, even without instanceof', () => {
    const error = new ConfigError('x.json', [{ path: 'a', expected: 'b', found: 'c' }]);
    expect(isConfigError(error)).toBe(true);
    expect(isConfigError(Object.assign(new Error('x'), { issues: [] }))).toBe(false);
    expect(isConfigError(null)).toBe(false);
    const foreign = { [Symbol.for('switchyard.mcp-server.ConfigError')]: true };
    expect(isConfigError(foreign)).toBe(true);
    expect(error.name).toBe('ConfigError');
    expect(error.message).toBe('x.json: 1 problem\n  a: expected b; found c');
  });
});
