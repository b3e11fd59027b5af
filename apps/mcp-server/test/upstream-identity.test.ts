/**
 * Upstream identity (#21), end to end: a real authorization server (`oidc-provider` on 127.0.0.1,
 * with this test's token exchange grant), a real remote MCP server in a child process that tells
 * which credentials reached it (`fixtures/whoami-server.ts`), a real gateway in front with OAuth at
 * the front door, and SDK v1 clients.
 *
 * What it shows: a `tokenExchange` remote receives, for each principal, a token the authorization
 * server issued for that principal with the remote itself as audience — never the client's own
 * token; the exchanged token is cached (one exchange per principal however many calls); a failed
 * exchange is a JSON-RPC error naming the reason, refusing that principal alone; so is an exchanged
 * token the remote itself rejects (HTTP 401 in the handshake): that principal gets the remote's
 * answer while the others are served and the backend stays ok (no failed start, no backoff); an
 * exchange refused once the principal's connection is up fails that request alone, with the reason
 * (JSON-RPC -32600: the principal's, not counted by the backend's circuit breaker); a static
 * credential header read from a file reaches its remote and is in no log line, dashboard
 * frame or configuration dump.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../../tooling/testing/wait.ts';
import { GATEWAY_CLIENT, secretOf, startAuthorizationServer } from './support/authorization-server.ts';
import {
  connectClient,
  modernPost,
  runServe,
  type Served,
  serveGateway,
  tempDir,
} from './support/gateway.ts';
import { spawnUrlServer } from './support/url-server.ts';

const WHOAMI = new URL('./fixtures/whoami-server.ts', import.meta.url).pathname;
const STATIC = 'static-token-for-ops-0123456789';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** The whoami fixture in a child process (`args`: e.g. `--refuse alice`); its URL is its first stdout line. */
async function startWhoami(args: string[] = []): Promise<string> {
  return (await spawnUrlServer(WHOAMI, args, (kill) => stops.push(kill))).url;
}

async function serve(config: Record<string, unknown>, env: Record<string, string> = {}): Promise<Served> {
  const served = await serveGateway(config, await tempDir(), env);
  stops.push(() => served.stop());
  return served;
}

function textOf(result: unknown): string {
  return (result as { content: { text: string }[] }).content.map((c) => c.text).join('');
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function exchangeConfig(issuer: string, backendUrl: string, secret: unknown = { env: 'GW_SECRET' }) {
  return {
    mcpServers: {
      who: { url: backendUrl, isolation: 'per-principal', tokenExchange: {} },
    },
    switchyard: {
      auth: {
        tokens: [{ token: STATIC, principal: 'ops' }],
        oauth: {
          issuer,
          requiredScopes: ['mcp:tools'],
          jwksCooldownSec: 0,
          clockSkewSec: 0,
          tokenExchange: { tokenEndpoint: `${issuer}/token`, clientId: GATEWAY_CLIENT, clientSecret: secret },
        },
      },
    },
  };
}

describe('token exchange for a remote backend', () => {
  it('each principal reaches the remote with its own exchanged token (aud = the remote), never its own; cached', async () => {
    const as = await startAuthorizationServer();
    const backendUrl = await startWhoami();
    const gw = await serve(exchangeConfig(as.issuer, backendUrl), { GW_SECRET: secretOf(GATEWAY_CLIENT) });
    const aliceToken = await as.token('alice', { resource: gw.url });
    const bobToken = await as.token('bob', { resource: gw.url });
    const alice = await connectClient(gw.url, { headers: bearer(aliceToken) });
    const bob = await connectClient(gw.url, { headers: bearer(bobToken) });

    const keys = createRemoteJWKSet(new URL(`${as.issuer}/jwks`));
    const seenBy = async (client: typeof alice, sub: string) => {
      const header = textOf(await client.callTool({ name: 'who__whoami', arguments: {} }));
      expect(header).toMatch(/^Bearer /);
      const token = header.slice('Bearer '.length);
      // Issued by the authorization server, for this principal, with the remote as its audience.
      const { payload } = await jwtVerify(token, keys, { issuer: as.issuer, audience: backendUrl });
      expect(payload.sub).toBe(sub);
      expect(payload.act).toEqual({ sub: GATEWAY_CLIENT });
      return token;
    };
    const forAlice = await seenBy(alice, 'alice');
    const forBob = await seenBy(bob, 'bob');
    expect(forAlice).not.toBe(forBob);
    expect(forAlice).not.toBe(aliceToken);

    // More calls: the cached token, no new exchange.
    for (let i = 0; i < 3; i++) expect(await seenBy(alice, 'alice')).toBe(forAlice);
    expect(await seenBy(bob, 'bob')).toBe(forBob);
    const exchanges = as.exchanges();
    expect(exchanges.filter((e) => e.subject === 'alice')).toHaveLength(1);
    expect(exchanges.filter((e) => e.subject === 'bob')).toHaveLength(1);
    expect(exchanges.every((e) => e.resource === backendUrl && e.client === GATEWAY_CLIENT)).toBe(true);
    expect(gw.gateway.exchanger?.exchanges).toBe(2);

    // A 2026-07-28 (stateless) request of alice's reaches the remote the same way, with the same token.
    const modern = await modernPost(
      gw.url,
      {
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: {
          name: 'who__whoami',
          arguments: {},
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      },
      { ...bearer(aliceToken), 'mcp-name': 'who__whoami' },
    );
    expect(modern.status).toBe(200);
    const answer = (await modern.json()) as { result: unknown };
    expect(textOf(answer.result)).toBe(`Bearer ${forAlice}`);
    expect(as.exchanges()).toHaveLength(2);

    // Every request the remote ever got (handshakes, streams, calls) carried an exchanged token.
    const seen = JSON.parse(textOf(await alice.callTool({ name: 'who__seen', arguments: {} }))) as {
      authorization: string[];
    };
    expect(seen.authorization.length).toBeGreaterThanOrEqual(2);
    for (const header of seen.authorization) {
      expect(header).not.toContain(aliceToken);
      expect(header).not.toContain(bobToken);
      expect(decodeJwt(header.slice('Bearer '.length)).aud).toBe(backendUrl);
    }
  });

  it('a refused exchange is a JSON-RPC error naming the reason, not a hang, and a log line; no token in either', async () => {
    const as = await startAuthorizationServer();
    const backendUrl = await startWhoami();
    const dir = await tempDir();
    const config = exchangeConfig(as.issuer, backendUrl, 'not-the-gateway-secret-0123456789');
    await writeFile(join(dir, 'switchyard.json'), JSON.stringify(config));
    const served = await runServe(['--config', join(dir, 'switchyard.json'), '--port', '0'], { cwd: dir });
    // The resource is the default one: the listening origin + /mcp.
    const token = await as.token('alice', { resource: served.url });
    const client = await connectClient(served.url, { headers: bearer(token) });
    const failure = await client.callTool({ name: 'who__whoami', arguments: {} }).then(
      (result) => JSON.stringify(result),
      (error: Error) => error.message,
    );
    expect(failure).toContain('token exchange for backend "who"');
    expect(failure).toContain('invalid_client');
    expect(failure).not.toContain(token);
    expect(as.exchanges()).toHaveLength(0);
    // The log is asynchronous: the line may reach stderr after the answer did.
    await until(() => served.stderr().includes('token exchange failed'), 'the log line', 20_000);
    const logged = served
      .stderr()
      .split('\n')
      .filter((line) => line.includes('token exchange failed'));
    expect(logged.length).toBeGreaterThan(0);
    expect(logged[0]).toContain('invalid_client');
    expect(served.stderr()).not.toContain(token);
    expect(served.stderr()).not.toContain('not-the-gateway-secret-0123456789');
  });

  it('a principal whose exchanged token the remote rejects (401) is refused alone with its answer; the others are served, the backend stays ok', async () => {
    const as = await startAuthorizationServer();
    const backendUrl = await startWhoami(['--refuse', 'alice']);
    const config = exchangeConfig(as.issuer, backendUrl);
    const gw = await serve(
      { ...config, switchyard: { ...config.switchyard, admin: { principals: ['ops'] } } },
      { GW_SECRET: secretOf(GATEWAY_CLIENT) },
    );
    const bob = await connectClient(gw.url, { headers: bearer(await as.token('bob', { resource: gw.url })) });
    const alice = await connectClient(gw.url, {
      headers: bearer(await as.token('alice', { resource: gw.url })),
    });
    const stats = () => gw.gateway.manager.stats().backends.who!;
    // Bob before: served on his own connection.
    expect(textOf(await bob.callTool({ name: 'who__whoami', arguments: {} }))).toMatch(/^Bearer /);

    // Alice: her exchange succeeds, the remote rejects the token it gave her in the handshake.
    const refusal = async () =>
      await alice.callTool({ name: 'who__whoami', arguments: {} }).then(
        (result) => JSON.stringify(result),
        (error: Error) => error.message,
      );
    const first = await refusal();
    expect(first).toContain('Backend "who" is unavailable: remote "who" at');
    expect(first).toContain('the remote refused principal "alice"’s credentials: HTTP 401');
    expect(first).toContain('error_description="token revoked for alice"');
    expect(first).not.toMatch(/next attempt in/);
    // That is hers alone: no failed start, the backend ok, bob's connection the only one.
    expect(stats()).toMatchObject({ state: 'ok', startFailures: 0, workers: { ready: 1, total: 1 } });
    expect(textOf(await bob.callTool({ name: 'who__whoami', arguments: {} }))).toMatch(/^Bearer /);
    const ready = (await (await fetch(`${gw.origin}/readyz`, { headers: bearer(STATIC) })).json()) as {
      ready: boolean;
      backends: { name: string; state: string }[];
    };
    expect(ready.ready).toBe(true);
    expect(ready.backends).toEqual([expect.objectContaining({ name: 'who', state: 'ok' })]);

    // Asked again, she is tried again (no backoff) and refused the same way; bob still served.
    const second = await refusal();
    expect(second).toContain('the remote refused principal "alice"’s credentials: HTTP 401');
    expect(second).not.toMatch(/next attempt in/);
    expect(textOf(await bob.callTool({ name: 'who__whoami', arguments: {} }))).toMatch(/^Bearer /);
    expect(stats()).toMatchObject({ state: 'ok', startFailures: 0, crashes: 0 });
    // Bob's token came from the cache; hers was dropped once refused: each try exchanged afresh
    // (a revoked token fixed at the authorization server would be picked up at once).
    expect(as.exchanges().map((e) => e.subject)).toEqual(['bob', 'alice', 'alice']);
  });

  it('an exchange refused once the connection is up fails that request alone, with the reason; the backend does not count it', async () => {
    const as = await startAuthorizationServer();
    const backendUrl = await startWhoami();
    const base = exchangeConfig(as.issuer, backendUrl);
    // Exchanged tokens are never reused (refreshed 300 s before a 300 s life): each request exchanges.
    base.switchyard.auth.oauth.tokenExchange = {
      ...base.switchyard.auth.oauth.tokenExchange,
      refreshBeforeSec: 300,
    } as never;
    const gw = await serve(base, { GW_SECRET: secretOf(GATEWAY_CLIENT) });
    const alice = await connectClient(gw.url, {
      headers: bearer(await as.token('alice', { resource: gw.url })),
    });
    const bob = await connectClient(gw.url, { headers: bearer(await as.token('bob', { resource: gw.url })) });
    const whoami = (client: typeof alice) => client.callTool({ name: 'who__whoami', arguments: {} });
    expect(textOf(await whoami(alice))).toMatch(/^Bearer /);
    expect(textOf(await whoami(bob))).toMatch(/^Bearer /);
    const stats = () => gw.gateway.manager.stats().backends.who!;
    expect(stats()).toMatchObject({ state: 'ok', workers: { ready: 2 } });

    // The authorization server stops exchanging for alice (her grant revoked): her requests fail,
    // each with the reason, on the connection she has.
    as.refuseExchanges('alice');
    for (let i = 0; i < 3; i++) {
      const failure = await whoami(alice).then(
        (result) => new Error(`expected a refusal, got ${JSON.stringify(result)}`),
        (error: Error & { code?: number }) => error,
      );
      expect(failure.message).toContain(`remote "who" at ${backendUrl}: token exchange for backend "who"`);
      expect(failure.message).toContain('invalid_grant');
      expect((failure as { code?: number }).code).toBe(-32600);
    }
    // Hers alone: the backend ok, none of them a failed call of the backend's (for its circuit
    // breaker and outlier ejection), no connection lost; bob served.
    expect(stats()).toMatchObject({
      state: 'ok',
      callFailures: 0,
      breaker: 'closed',
      startFailures: 0,
      crashes: 0,
      workers: { ready: 2 },
    });
    expect(textOf(await whoami(bob))).toMatch(/^Bearer /);
    // Her grant back: she is served again on the same connection.
    as.refuseExchanges('alice', false);
    expect(textOf(await whoami(alice))).toMatch(/^Bearer /);
    expect(stats()).toMatchObject({ starts: { total: 2 }, callFailures: 0 });
  });

  it('a principal without an OAuth access token (a static token) is refused by name', async () => {
    const as = await startAuthorizationServer();
    const backendUrl = await startWhoami();
    const gw = await serve(exchangeConfig(as.issuer, backendUrl), { GW_SECRET: secretOf(GATEWAY_CLIENT) });
    const client = await connectClient(gw.url, { headers: bearer(STATIC) });
    const failure = await client.callTool({ name: 'who__whoami', arguments: {} }).then(
      (result) => JSON.stringify(result),
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/principal \\?"ops\\?" has none/);
    // That principal alone is refused: no connection was started for it, the backend is not failed,
    // and a principal with an access token is served at once.
    expect(gw.gateway.manager.stats().backends.who).toMatchObject({ state: 'ok', startFailures: 0 });
    const aliceToken = await as.token('alice', { resource: gw.url });
    const alice = await connectClient(gw.url, { headers: bearer(aliceToken) });
    expect(textOf(await alice.callTool({ name: 'who__whoami', arguments: {} }))).toMatch(/^Bearer /);
  });
});

describe('a static credential header', () => {
  it('reaches its remote from a file, and is in no log line, dashboard frame, check-config output or config dump', async () => {
    const backendUrl = await startWhoami();
    const dir = await tempDir();
    const apiKey = `api-key-${crypto.randomUUID()}`;
    await writeFile(join(dir, 'api-key.txt'), `${apiKey}\n`);
    const config = {
      mcpServers: {
        keyed: { url: backendUrl, headers: { 'X-Api-Key': { file: join(dir, 'api-key.txt') } } },
      },
      switchyard: {
        auth: { tokens: [{ token: STATIC, principal: 'ops' }] },
        admin: { principals: ['ops'] },
        journal: { path: join(dir, 'journal.db') },
      },
    };
    await writeFile(join(dir, 'switchyard.json'), JSON.stringify(config));
    const served = await runServe(['--config', join(dir, 'switchyard.json'), '--port', '0'], { cwd: dir });
    const client = await connectClient(served.url, { headers: bearer(STATIC) });
    const seen = JSON.parse(textOf(await client.callTool({ name: 'keyed__seen', arguments: {} }))) as {
      apiKey: string[];
    };
    expect(seen.apiKey).toEqual([apiKey]);

    // The dashboard's first frame (it lists the backends).
    const origin = new URL(served.url).origin;
    const events = await fetch(`${origin}/dashboard/events`, { headers: bearer(STATIC) });
    const reader = (events.body as ReadableStream<Uint8Array>).getReader();
    let frame = '';
    while (!frame.includes('\n\n')) {
      const { done, value } = await reader.read();
      if (done) break;
      frame += new TextDecoder().decode(value);
    }
    await reader.cancel();
    expect(frame).toContain('keyed');
    expect(frame).not.toContain(apiKey);

    // check-config on the same file.
    const check = Bun.spawnSync(
      [
        process.execPath,
        new URL('../src/cli.ts', import.meta.url).pathname,
        'check-config',
        'switchyard.json',
      ],
      { cwd: dir },
    );
    expect(check.exitCode).toBe(0);
    expect(`${check.stdout}${check.stderr}`).not.toContain(apiKey);

    // The debug log of the whole run.
    expect(served.stderr()).toContain('keyed');
    expect(served.stderr()).not.toContain(apiKey);

    // The resolved configuration, however it is printed.
    const gw = await serve(config);
    const dump = [
      JSON.stringify(gw.gateway.config),
      Bun.inspect(gw.gateway.config, { depth: 10 }),
      String(
        gw.gateway.config.backends[0]?.kind === 'remote' &&
          gw.gateway.config.backends[0].headers['X-Api-Key'],
      ),
    ].join('\n');
    expect(dump).toContain('X-Api-Key');
    expect(dump).toContain('[redacted');
    expect(dump).not.toContain(apiKey);
  });
});
