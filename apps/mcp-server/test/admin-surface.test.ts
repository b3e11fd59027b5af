/**
 * The admin surface (`/dashboard`, `/dashboard/events`, `/metrics`) over real HTTP: with tokens,
 * only the principals of `switchyard.admin.principals` see it (401 without credentials, 403 for
 * another principal), and a loopback caller without a token is no longer let in; with no tokens,
 * loopback callers see it. Session ids in the admin views are cut short. A token's value never
 * appears in a configuration error.
 */
import { describe, expect, it } from 'vitest';
import { isConfigError } from '../src/config/errors.ts';
import { parseConfigValue } from '../src/config/load.ts';
import { BUILTIN, connectClient, rawSession, startInProcess } from './support/gateway.ts';

const ALICE = 'alice-token-0123456789';
const BOB = 'bob-token-abcdefghijkl';
const ADMIN_PATHS = ['/dashboard', '/dashboard/events', '/metrics'];

const WITH_TOKENS = {
  mcpServers: { builtin: { module: BUILTIN, tier: 'hot' } },
  switchyard: {
    auth: {
      tokens: [
        { token: ALICE, principal: 'alice' },
        { token: BOB, principal: 'bob' },
      ],
    },
    admin: { principals: ['alice'] },
  },
};
const NO_TOKENS = { mcpServers: { builtin: { module: BUILTIN, tier: 'hot' } } };

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** GET `path`; an SSE body is read up to its first `snapshot` event, then dropped. */
async function get(
  origin: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string | null; body: string }> {
  const controller = new AbortController();
  const response = await fetch(`${origin}${path}`, { headers, signal: controller.signal });
  const type = response.headers.get('content-type');
  if (!type?.startsWith('text/event-stream') || !response.body) {
    return { status: response.status, type, body: await response.text() };
  }
  const reader = response.body.getReader();
  let body = '';
  // Bounded: the stream sends a snapshot at once; 64 chunks is far more than one event needs.
  for (let i = 0; i < 64 && !/event: snapshot\ndata: .*\n\n/.test(body); i++) {
    const { done, value } = await reader.read();
    if (done) break;
    body += new TextDecoder().decode(value);
  }
  controller.abort();
  await reader.cancel().catch(() => {});
  return { status: response.status, type, body };
}

function errorMessage(body: string): string {
  return (JSON.parse(body) as { error: { message: string } }).error.message;
}

describe('admin surface with tokens configured', () => {
  it('401 without credentials and with an unknown token, 403 for a non-admin principal, 200 for an admin', async () => {
    const { origin } = await startInProcess(WITH_TOKENS);
    for (const path of ADMIN_PATHS) {
      const anonymous = await get(origin, path);
      expect(anonymous.status, path).toBe(401);
      expect(anonymous.type).toMatch(/application\/json/);
      expect(errorMessage(anonymous.body)).toMatch(/Unauthorized/);

      const unknown = await get(origin, path, bearer('not-a-token-of-this-gateway'));
      expect(unknown.status, path).toBe(401);

      const bob = await get(origin, path, bearer(BOB));
      expect(bob.status, path).toBe(403);
      expect(bob.type).toMatch(/application\/json/);
      expect(errorMessage(bob.body)).toMatch(/admin\.principals/);

      const alice = await get(origin, path, bearer(ALICE));
      expect(alice.status, path).toBe(200);
    }
  });

  it('a loopback caller without a token is refused (allowUnauthenticatedLoopback defaults to false)', async () => {
    const { url, gateway } = await startInProcess(WITH_TOKENS);
    expect(gateway.config.settings.auth.allowUnauthenticatedLoopback).toBe(false);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('allowUnauthenticatedLoopback: true still lets loopback in as "local", who is no admin', async () => {
    const { url, origin } = await startInProcess({
      ...WITH_TOKENS,
      switchyard: {
        ...WITH_TOKENS.switchyard,
        auth: { ...WITH_TOKENS.switchyard.auth, allowUnauthenticatedLoopback: true },
      },
    });
    expect((await rawSession(url)).length).toBeGreaterThan(0);
    expect((await get(origin, '/metrics')).status).toBe(403);
  });

  it('/readyz without a token gives the verdict only; with one, the backends too', async () => {
    const { origin } = await startInProcess(WITH_TOKENS);
    const anonymous = await fetch(`${origin}/readyz`);
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toEqual({ ready: true });
    const bob = (await (await fetch(`${origin}/readyz`, { headers: bearer(BOB) })).json()) as {
      backends: { name: string }[];
    };
    expect(bob.backends.map((b) => b.name)).toEqual(['builtin']);
  });

  it('session ids in the dashboard stream are cut to 8 characters; neither view shows a whole one', async () => {
    const { url, origin } = await startInProcess(WITH_TOKENS);
    const client = await connectClient(url, { headers: bearer(BOB) });
    const result = await client.callTool({ name: 'builtin__echo', arguments: { text: 'hi' } });
    expect(result.isError).toBeFalsy();
    const sessionId = (client.transport as { sessionId?: string } | undefined)?.sessionId;
    expect(sessionId).toMatch(/^[0-9a-f]{16,}$/);

    const events = await get(origin, '/dashboard/events', bearer(ALICE));
    expect(events.status).toBe(200);
    const data = /event: snapshot\ndata: (.*)\n\n/.exec(events.body)?.[1];
    const snapshot = JSON.parse(data ?? 'null') as {
      recentCalls: { name: string; session: string | null }[];
    };
    const call = snapshot.recentCalls.find((c) => c.name === 'builtin__echo' || c.name === 'echo');
    expect(call?.session).toBe(`${sessionId?.slice(0, 8)}…`);
    expect(events.body).not.toContain(sessionId);

    const metrics = await get(origin, '/metrics', bearer(ALICE));
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('switchyard_sessions');
    expect(metrics.body).not.toContain(sessionId);
  });
});

describe('admin surface with no tokens configured', () => {
  it('loopback callers see the dashboard, its stream and the metrics', async () => {
    const { origin, gateway } = await startInProcess(NO_TOKENS);
    expect(gateway.config.settings.auth.allowUnauthenticatedLoopback).toBe(true);
    for (const path of ADMIN_PATHS) {
      expect((await get(origin, path)).status, path).toBe(200);
    }
  });
});

describe('token hygiene in configuration errors', () => {
  const SHORT = 'hunter2-xyz';

  function messageOf(config: Record<string, unknown>, env: Record<string, string> = {}): string {
    try {
      parseConfigValue(config as never, { source: 'test', baseDir: '/tmp', env });
    } catch (error) {
      if (isConfigError(error)) return error.message;
      throw error;
    }
    throw new Error('the configuration was accepted');
  }

  it('a too-short token is named by its key and length, never its value', () => {
    const message = messageOf({
      mcpServers: {},
      switchyard: { auth: { tokens: [{ token: SHORT, principal: 'a' }] } },
    });
    expect(message).toContain('switchyard.auth.tokens.0.token');
    expect(message).toContain(`${SHORT.length} character(s)`);
    expect(message).not.toContain(SHORT);
    expect(message).not.toContain('hunter2');
  });

  it('nor when it comes from ${VAR} or tokenEnv', () => {
    const viaVar = messageOf(
      { mcpServers: {}, switchyard: { auth: { tokens: [{ token: '${GW_TOKEN}', principal: 'a' }] } } },
      { GW_TOKEN: SHORT },
    );
    expect(viaVar).toContain('switchyard.auth.tokens.0.token');
    expect(viaVar).not.toContain('hunter2');
    const viaEnv = messageOf(
      { mcpServers: {}, switchyard: { auth: { tokens: [{ tokenEnv: 'GW_TOKEN', principal: 'a' }] } } },
      { GW_TOKEN: SHORT },
    );
    expect(viaEnv).toContain('switchyard.auth.tokens.0.tokenEnv');
    expect(viaEnv).not.toContain('hunter2');
  });

  it('admin.principals and listen.publicNames are validated', () => {
    const message = messageOf({
      mcpServers: {},
      switchyard: { admin: { principals: [''] }, listen: { publicNames: ['https://mcp.example.com/'] } },
    });
    expect(message).toContain('switchyard.admin.principals.0');
    expect(message).toContain('switchyard.listen.publicNames.0');
  });
});
