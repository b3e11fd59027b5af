/**
 * What a backend is given and what of it reaches clients, through the real gateway with real stdio
 * backends and the SDK client: a minimal environment unless `inheritEnv` asks for more (never the
 * values of the gateway's bearer tokens), and a failed backend's reason — never its stderr — in
 * `tools/list` `_meta` and in tool errors, while the operator's log gets the stderr tail.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigValue } from '../src/config/load.ts';
import { type GatewayLog, startGateway } from '../src/gateway/gateway.ts';
import { connectClient, serveGateway, tempDir } from './support/gateway.ts';

const ENV_SERVER = new URL('./fixtures/env-server.ts', import.meta.url).pathname;
const SECRET = 'DATABASE_URL=postgres://admin:hunter2@db.internal/prod';
/** A backend that writes a secret-looking line to stderr and exits 3 at start. */
const LEAKY = {
  command: process.execPath,
  args: ['-e', `console.error(${JSON.stringify(SECRET)}); process.exit(3)`],
};
const TOKEN = 'gw-bearer-token-0123456789abcdef';

function textOf(result: unknown): string {
  return (result as { content: { text: string }[] }).content.map((c) => c.text).join('');
}

/** The environment the `env` backend's process sees, through a gateway started with `gatewayEnv`. */
async function backendEnv(
  entry: Record<string, unknown>,
  gatewayEnv: Record<string, string>,
  auth?: Record<string, unknown>,
): Promise<Record<string, string>> {
  const dir = await tempDir();
  const served = await serveGateway(
    {
      mcpServers: { envs: { command: process.execPath, args: [ENV_SERVER], ...entry } },
      ...(auth && { switchyard: { auth } }),
    },
    dir,
    gatewayEnv,
  );
  try {
    const client = await connectClient(
      served.url,
      auth ? { headers: { authorization: `Bearer ${TOKEN}` } } : {},
    );
    return JSON.parse(textOf(await client.callTool({ name: 'envs__env', arguments: {} })));
  } finally {
    await served.stop();
  }
}

describe('a stdio backend’s environment', () => {
  const gatewayEnv = { SWITCHYARD_TEST_CLOUD_KEY: 'cloud-key-value', SWITCHYARD_TEST_OTHER: 'other-value' };

  it('is the minimal set plus the entry’s env by default: the gateway’s own variables stay out', async () => {
    const env = await backendEnv({ env: { ENTRY_VAR: 'from-the-entry' } }, gatewayEnv);
    expect(env.ENTRY_VAR).toBe('from-the-entry');
    expect(env.PATH).toBe(process.env.PATH);
    expect(env.SWITCHYARD_TEST_CLOUD_KEY).toBeUndefined();
    expect(env.SWITCHYARD_TEST_OTHER).toBeUndefined();
    // Nothing beyond the SDK's default set and the entry's env (Bun may add its own few).
    const allowed = new Set(['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER', 'ENTRY_VAR']);
    const extra = Object.keys(env).filter(
      (k) => !allowed.has(k) && !/^(BUN_|_$|PWD$|OLDPWD$|SHLVL$)/.test(k),
    );
    expect(extra).toEqual([]);
  });

  it('takes the variables inheritEnv names besides the minimal set', async () => {
    const env = await backendEnv(
      { env: { ENTRY_VAR: 'e' }, inheritEnv: ['SWITCHYARD_TEST_CLOUD_KEY', 'SWITCHYARD_TEST_UNSET'] },
      gatewayEnv,
    );
    expect(env.SWITCHYARD_TEST_CLOUD_KEY).toBe('cloud-key-value');
    expect(env.SWITCHYARD_TEST_OTHER).toBeUndefined();
    expect('SWITCHYARD_TEST_UNSET' in env).toBe(false);
    expect(env.ENTRY_VAR).toBe('e');
    expect(env.PATH).toBe(process.env.PATH);
  });

  it('is the whole gateway environment with inheritEnv: true, less the values of its bearer tokens', async () => {
    const env = await backendEnv(
      { env: { ENTRY_VAR: 'e', SWITCHYARD_TEST_OTHER: 'the entry wins' }, inheritEnv: true },
      { ...gatewayEnv, GW_TOKEN: TOKEN, GW_TOKEN_COPY: TOKEN },
      { tokens: [{ tokenEnv: 'GW_TOKEN', principal: 'ops' }] },
    );
    expect(env.SWITCHYARD_TEST_CLOUD_KEY).toBe('cloud-key-value');
    expect(env.SWITCHYARD_TEST_OTHER).toBe('the entry wins');
    expect(env.ENTRY_VAR).toBe('e');
    expect(env.PATH).toBe(process.env.PATH);
    expect(env.GW_TOKEN).toBeUndefined();
    expect(env.GW_TOKEN_COPY).toBeUndefined();
    expect(JSON.stringify(env)).not.toContain(TOKEN);
  });
});

describe('a backend that fails with secrets on its stderr', () => {
  it('is named with its exit code to clients — in tools/list _meta and in a tool error — never with its stderr', async () => {
    const dir = await tempDir();
    const served = await serveGateway(
      {
        mcpServers: {
          ok: { command: process.execPath, args: [ENV_SERVER], tier: 'hot' },
          leaky: { ...LEAKY, tier: 'warm' },
        },
      },
      dir,
    );
    try {
      const client = await connectClient(served.url);
      const listed = await client.listTools();
      expect(listed.tools.map((t) => t.name)).toContain('ok__env');
      const unavailable = (listed._meta as Record<string, { backend: string; reason: string }[]>)[
        'switchyard/unavailable'
      ];
      const leaky = unavailable?.find((u) => u.backend === 'leaky');
      expect(leaky?.reason).toMatch(/exit code 3/);
      expect(JSON.stringify(listed)).not.toContain('hunter2');
      const called = await client.callTool({ name: 'leaky__anything', arguments: {} }).then(
        (result) => JSON.stringify(result),
        (error: unknown) => String(error),
      );
      expect(called).toMatch(/leaky/);
      expect(called).toMatch(/exit code 3/);
      expect(called).not.toContain('hunter2');
      expect(called).not.toContain('DATABASE_URL');
    } finally {
      await served.stop();
    }
  });

  it('is logged for the operator with its stderr tail', async () => {
    const dir = await tempDir();
    const config = parseConfigValue(
      {
        mcpServers: { leaky: { ...LEAKY, tier: 'hot' } },
        switchyard: { journal: { path: join(dir, 'j.db') } },
      },
      { source: 'test', baseDir: dir, env: {} },
    );
    const lines: { level: 'info' | 'warn' | 'error'; fields: Record<string, unknown>; message: string }[] =
      [];
    const log: GatewayLog = {
      info: (fields, message) => lines.push({ level: 'info', fields, message }),
      warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
      error: (fields, message) => lines.push({ level: 'error', fields, message }),
    };
    const gateway = await startGateway(config, { version: '0.0.0-test', log });
    try {
      expect(gateway.started.failed).toEqual([{ backend: 'leaky', reason: 'exit code 3' }]);
      const failed = lines.find((l) => l.message === 'backend failed');
      expect(failed).toMatchObject({ level: 'error', fields: { backend: 'leaky', reason: 'exit code 3' } });
      expect(failed?.fields.stderrTail).toContain(SECRET);
    } finally {
      await gateway.stop();
    }
  });
});
