/**
 * Upstream identity in the configuration (#21): credentials of a backend read from the gateway's
 * environment or from files (at load, so at reload too), kept as redacted secrets; the rules of
 * `tokenExchange`, each refusal naming the key.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue, isConfigError } from '../src/config/errors.ts';
import { parseConfigValue } from '../src/config/load.ts';
import type { GatewayConfig } from '../src/config/resolve.ts';
import { revealAll, Secret } from '../src/config/secret.ts';
import { planReload } from '../src/gateway/reload.ts';
import { tempDir } from './helpers.ts';

function parse(
  value: unknown,
  options: { env?: Record<string, string>; baseDir?: string } = {},
): GatewayConfig {
  return parseConfigValue(value as never, {
    source: 'test.json',
    baseDir: options.baseDir ?? '/tmp',
    env: options.env ?? {},
  });
}

function lines(value: unknown, options: { env?: Record<string, string>; baseDir?: string } = {}): string[] {
  try {
    parse(value, options);
  } catch (error) {
    if (isConfigError(error)) return error.issues.map(formatIssue);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

function remote(config: GatewayConfig, name: string) {
  const b = config.backends.find((x) => x.name === name);
  if (b?.kind !== 'remote') throw new Error(`${name} is not a remote`);
  return b;
}

const OAUTH = {
  issuer: 'https://as.example',
  tokenExchange: {
    tokenEndpoint: 'https://as.example/token',
    clientId: 'gw',
    clientSecret: { env: 'GW_SECRET' },
  },
};

describe('credentials from the environment and from files', () => {
  it('headers and stdio env from { env } and { file } (with prefix), beside ${VAR}', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'token'), 'from-file\n');
    const config = parse(
      {
        mcpServers: {
          api: {
            url: 'https://api.example/mcp',
            headers: {
              Authorization: { file: './token', prefix: 'Bearer ' },
              'X-Api-Key': { env: 'API_KEY' },
              'X-Plain': 'v-${PLAIN}',
            },
          },
          tool: { command: 'x', env: { KEY: { file: './token' }, OTHER: { env: 'API_KEY' } } },
        },
      },
      { baseDir: dir, env: { API_KEY: 'k-123', PLAIN: 'p' } },
    );
    expect(revealAll(remote(config, 'api').headers)).toEqual({
      Authorization: 'Bearer from-file',
      'X-Api-Key': 'k-123',
      'X-Plain': 'v-p',
    });
    const tool = config.backends.find((b) => b.name === 'tool');
    expect(tool?.kind === 'stdio' && tool.env).toEqual({ KEY: 'from-file', OTHER: 'k-123' });
  });

  it('an unset variable, an empty one, a missing or empty file: each an issue naming the key, never a value', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'empty'), '\n');
    expect(
      lines(
        {
          mcpServers: {
            api: {
              url: 'https://api.example/mcp',
              headers: {
                A: { env: 'UNSET' },
                B: { env: 'EMPTY' },
                C: { file: './nope' },
                D: { file: './empty' },
              },
            },
          },
        },
        { baseDir: dir, env: { EMPTY: '' } },
      ),
    ).toEqual([
      'mcpServers.api.headers.A.env: expected the environment variable UNSET to be set and not empty; found UNSET unset',
      'mcpServers.api.headers.B.env: expected the environment variable EMPTY to be set and not empty; found EMPTY empty',
      `mcpServers.api.headers.C.file: expected a readable file holding the value (relative to the configuration file); found no file at ${join(dir, 'nope')}`,
      `mcpServers.api.headers.D.file: expected a file holding the value; found ${join(dir, 'empty')} is empty`,
    ]);
    expect(
      lines({
        mcpServers: { api: { url: 'https://api.example/mcp', headers: { A: { env: 'X', file: 'y' } } } },
      }),
    ).toEqual(['mcpServers.api.headers.A: expected exactly one of env and file; found an object']);
  });

  it('a secret prints, logs and inspects redacted; a changed file replaces the backend on reload', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'token'), 'first-secret-value');
    const value = {
      mcpServers: {
        api: { url: 'https://api.example/mcp', headers: { Authorization: { file: './token' } } },
      },
    };
    const before = parse(value, { baseDir: dir });
    const secret = remote(before, 'api').headers.Authorization as Secret;
    const shown = [JSON.stringify(before), String(secret), `${secret}`, Bun.inspect(before, { depth: 10 })];
    for (const text of shown) {
      expect(text).not.toContain('first-secret-value');
      expect(text).toContain('[redacted ');
    }
    expect(secret.reveal()).toBe('first-secret-value');
    // The same value: the same configuration; another value: the backend is replaced.
    expect(planReload(before, parse(value, { baseDir: dir })).unchanged).toEqual(['api']);
    await writeFile(join(dir, 'token'), 'second-secret-value');
    expect(planReload(before, parse(value, { baseDir: dir })).replaced.map((b) => b.name)).toEqual(['api']);
    expect(JSON.stringify(new Secret('a'))).not.toBe(JSON.stringify(new Secret('b')));
  });

  it('the gateway client secrets are read and redacted too', () => {
    const config = parse(
      { mcpServers: { s: { command: 'x' } }, switchyard: { auth: { oauth: OAUTH } } },
      {
        env: { GW_SECRET: 'gw-secret-0123456789' },
      },
    );
    const exchange = config.settings.auth.oauth?.tokenExchange;
    expect(exchange?.clientSecret.reveal()).toBe('gw-secret-0123456789');
    expect(JSON.stringify(config.settings)).not.toContain('gw-secret-0123456789');
    expect(lines({ mcpServers: { s: { command: 'x' } }, switchyard: { auth: { oauth: OAUTH } } })).toEqual([
      'switchyard.auth.oauth.tokenExchange.clientSecret.env: expected the environment variable GW_SECRET to be set and not empty; found GW_SECRET unset',
    ]);
  });
});

describe('tokenExchange on an entry', () => {
  const env = { GW_SECRET: 'gw-secret-0123456789' };

  it('resolves with the entry url as the resource by default', () => {
    const config = parse(
      {
        mcpServers: {
          a: { url: 'https://a.example/mcp', isolation: 'per-principal', tokenExchange: {} },
          b: {
            url: 'https://b.example/mcp',
            isolation: 'per-principal',
            tokenExchange: { resource: 'https://b.example/', audience: 'api-b', scope: ['read'] },
          },
        },
        switchyard: { auth: { oauth: OAUTH } },
      },
      { env },
    );
    expect(remote(config, 'a').tokenExchange).toEqual({ resource: 'https://a.example/mcp' });
    expect(remote(config, 'b').tokenExchange).toEqual({
      resource: 'https://b.example/',
      audience: 'api-b',
      scope: ['read'],
    });
    expect(remote(config, 'a').isolation).toBe('per-principal');
  });

  it('needs per-principal isolation, Streamable HTTP, no Authorization of its own, and auth.oauth.tokenExchange', () => {
    expect(
      lines(
        {
          mcpServers: {
            a: { url: 'https://a.example/mcp', tokenExchange: {}, headers: { authorization: 'Bearer x' } },
            b: { url: 'https://b.example/sse', type: 'sse', isolation: 'per-principal', tokenExchange: {} },
          },
        },
        { env },
      ),
    ).toEqual([
      'mcpServers.a.headers.authorization: expected no Authorization header on an entry with tokenExchange (the exchanged token is sent in it); found an Authorization header',
      'mcpServers.a.isolation: expected "per-principal" on a remote entry with tokenExchange (each principal gets its own connection, carrying its own exchanged token); found "shared"',
      'mcpServers.b.type: expected the Streamable HTTP transport (http / streamable-http) on an entry with tokenExchange; found "sse"',
      'switchyard.auth.oauth.tokenExchange: expected { tokenEndpoint, clientId, clientSecret } (the entries a, b have tokenExchange); found no switchyard.auth.oauth',
    ]);
  });

  it('belongs to remote entries only', () => {
    expect(lines({ mcpServers: { s: { command: 'x', tokenExchange: {} } } })).toEqual([
      'mcpServers.s.tokenExchange: expected no tokenExchange on an entry with command (tokenExchange goes with url); found tokenExchange beside command',
    ]);
  });
});
