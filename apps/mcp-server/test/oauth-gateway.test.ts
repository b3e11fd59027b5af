/**
 * The gateway as an OAuth 2.1 resource server (#21), end to end: a real authorization server
 * (`oidc-provider` on 127.0.0.1, JWT access tokens for a resource indicator, client credentials), a
 * real in-process gateway with the stdio fixture behind it, SDK v1 clients and raw HTTP.
 */
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { secretOf, startAuthorizationServer } from './support/authorization-server.ts';
import {
  connectClient,
  fixtureEntry,
  INITIALIZE,
  post,
  rawSession,
  startInProcess,
} from './support/gateway.ts';

const STATIC = 'static-token-for-ops-0123456789';
const TOOLS_LIST = { jsonrpc: '2.0', id: 2, method: 'tools/list' };

function config(issuer: string, oauth: Record<string, unknown> = {}) {
  return {
    mcpServers: { fx: fixtureEntry('fx', { tier: 'hot' }) },
    switchyard: {
      auth: {
        tokens: [{ token: STATIC, principal: 'ops' }],
        oauth: { issuer, requiredScopes: ['mcp:tools'], jwksCooldownSec: 0, clockSkewSec: 0, ...oauth },
      },
      admin: { principals: ['ops'] },
    },
  };
}

function textOf(result: unknown): string {
  return (result as { content: { text: string }[] }).content.map((c) => c.text).join('');
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A gateway trusting a fresh authorization server; `resource` is the gateway's default one. */
async function setUp(oauth: Record<string, unknown> = {}) {
  const as = await startAuthorizationServer();
  const gw = await startInProcess(config(as.issuer, oauth));
  return { as, ...gw, resource: gw.url };
}

const closing: Client[] = [];
afterEach(async () => {
  for (const c of closing.splice(0)) await c.close().catch(() => {});
});

describe('OAuth resource server at the front door', () => {
  it('a JWT access token for this gateway lists and calls through it (SDK v1 client, token in requestInit)', async () => {
    const { as, url, resource } = await setUp();
    const token = await as.token('alice', { resource });
    const client = await connectClient(url, { headers: bearer(token) });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('fx__add');
    expect(textOf(await client.callTool({ name: 'fx__add', arguments: { a: 2, b: 3 } }))).toBe('5');
  });

  it("the SDK's own OAuth support finds the metadata from the 401, gets a token for this resource and calls", async () => {
    const { as, url } = await setUp();
    const client = new Client({ name: 'oauth-client', version: '1.0.0' });
    closing.push(client);
    const transport = new StreamableHTTPClientTransport(new URL(url), {
      authProvider: new ClientCredentialsProvider({
        clientId: 'bob',
        clientSecret: secretOf('bob'),
        scope: 'mcp:tools',
        expectedIssuer: as.issuer,
      }),
    });
    await client.connect(transport);
    expect(textOf(await client.callTool({ name: 'fx__add', arguments: { a: 20, b: 22 } }))).toBe('42');
  });

  it('without a token: 401 naming the Protected Resource Metadata and the scope; the PRM is served without auth', async () => {
    const { as, url, origin, resource } = await setUp();
    const response = await post(url, INITIALIZE);
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    const prmUrl = `${origin}/.well-known/oauth-protected-resource/mcp`;
    expect(challenge).toBe(`Bearer scope="mcp:tools", resource_metadata="${prmUrl}"`);
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const prm = await fetch(`${origin}${path}`);
      expect(prm.status).toBe(200);
      expect(await prm.json()).toEqual({
        resource,
        authorization_servers: [as.issuer],
        scopes_supported: ['mcp:tools'],
        bearer_methods_supported: ['header'],
        resource_name: 'Switchyard MCP gateway',
      });
    }
    // Through the Host check like every other route.
    const rebound = await fetch(`${origin}/.well-known/oauth-protected-resource`, {
      headers: { host: 'evil.example' },
    });
    expect(rebound.status).toBe(421);
    expect((await fetch(`${origin}/.well-known/oauth-protected-resource`, { method: 'POST' })).status).toBe(
      405,
    );
  });

  it('refuses with 401 and a reason a token for another resource, an expired one, a bad signature, another issuer, garbage', async () => {
    const { as, url, resource } = await setUp();
    const expectRefused = async (token: string, reason: RegExp) => {
      const response = await post(url, INITIALIZE, bearer(token));
      expect(response.status).toBe(401);
      const challenge = response.headers.get('www-authenticate') ?? '';
      expect(challenge).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"/);
      expect(challenge).toMatch(
        /resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/,
      );
      expect(challenge).toMatch(reason);
      const body = (await response.json()) as { error: { message: string } };
      expect(body.error.message).toMatch(/^Unauthorized: /);
    };
    // RFC 8707: minted by the right issuer, for another resource.
    await expectRefused(
      await as.token('alice', { resource: 'http://127.0.0.1:1/mcp' }),
      /not for this resource/,
    );
    // Expired: `brief` tokens live 1 s and the gateway allows no skew here. (That one is accepted
    // while it lives is shown with an injected clock in oauth-tokens.test.ts: here a busy machine
    // could take the second to answer.)
    const brief = await as.token('brief', { resource });
    await Bun.sleep(2_100);
    await expectRefused(brief, /has expired/);
    // A signature that does not verify: the last characters of a good token's signature changed.
    const token = await as.token('alice', { resource });
    const tampered = `${token.slice(0, -6)}${token.slice(-6) === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA'}`;
    await expectRefused(tampered, /signature/);
    // Another authorization server's token, for this very resource.
    const other = await startAuthorizationServer();
    await expectRefused(await other.token('alice', { resource }), /key the issuer does not publish/);
    await expectRefused('not-a-jwt-and-not-a-static-token', /not valid/);
  });

  it('a token without the required scope: 403 insufficient_scope naming the scope needed', async () => {
    const { as, url, resource } = await setUp();
    const token = await as.token('carol', { resource, scope: 'mcp:read' });
    const response = await post(url, INITIALIZE, bearer(token));
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toMatch(
      /^Bearer error="insufficient_scope", error_description="the token lacks the scope mcp:tools", scope="mcp:tools", resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"$/,
    );
  });

  it('picks up a key rotation: a token with an unknown kid makes the gateway fetch the JWKS again', async () => {
    const { as, url, resource } = await setUp();
    const first = await as.token('alice', { resource });
    expect((await post(url, INITIALIZE, bearer(first))).status).toBe(200);
    const fetchesBefore = as.jwksFetches();
    expect(fetchesBefore).toBe(1);
    // A second token with the same key is served from the cached key set.
    expect((await post(url, INITIALIZE, bearer(await as.token('bob', { resource })))).status).toBe(200);
    expect(as.jwksFetches()).toBe(1);
    const oldKid = as.kid();
    await as.rotate();
    expect(as.kid()).not.toBe(oldKid);
    const rotated = await as.token('alice', { resource });
    expect((await post(url, INITIALIZE, bearer(rotated))).status).toBe(200);
    expect(as.jwksFetches()).toBe(2);
    // The old key is gone from the issuer's JWKS, so its tokens now fail.
    expect((await post(url, INITIALIZE, bearer(first))).status).toBe(401);
  });

  it("a session stays its principal's: alice's session id with bob's token is 404", async () => {
    const { as, url, resource } = await setUp();
    const alice = bearer(await as.token('alice', { resource }));
    const bob = bearer(await as.token('bob', { resource }));
    const session = await rawSession(url, alice);
    const own = await post(url, TOOLS_LIST, { ...alice, 'mcp-session-id': session });
    expect(own.status).toBe(200);
    const stolen = await post(url, TOOLS_LIST, { ...bob, 'mcp-session-id': session });
    expect(stolen.status).toBe(404);
  });

  it('a static token still works beside OAuth (and needs no scope); its principal keeps the admin surface', async () => {
    const { url, origin } = await setUp();
    const client = await connectClient(url, { headers: bearer(STATIC) });
    expect(textOf(await client.callTool({ name: 'fx__add', arguments: { a: 1, b: 1 } }))).toBe('2');
    expect((await fetch(`${origin}/metrics`, { headers: bearer(STATIC) })).status).toBe(200);
    // No loopback pass once OAuth is configured: a request without credentials is refused.
    expect((await fetch(`${origin}/metrics`)).status).toBe(401);
  });

  it('a configured resource is the audience and names the metadata; the default one is refused then', async () => {
    const as = await startAuthorizationServer();
    const resource = 'https://mcp.example.test/public/mcp';
    const { url, origin } = await startInProcess(
      config(as.issuer, { resource, scopesSupported: ['mcp:tools', 'mcp:admin'] }),
    );
    const prm = await fetch(`${origin}/.well-known/oauth-protected-resource/public/mcp`);
    expect((await prm.json()) as { resource: string; scopes_supported: string[] }).toMatchObject({
      resource,
      scopes_supported: ['mcp:tools', 'mcp:admin'],
    });
    const refused = await post(url, INITIALIZE);
    expect(refused.headers.get('www-authenticate')).toContain(
      'resource_metadata="https://mcp.example.test/.well-known/oauth-protected-resource/public/mcp"',
    );
    expect((await post(url, INITIALIZE, bearer(await as.token('alice', { resource })))).status).toBe(200);
    expect((await post(url, INITIALIZE, bearer(await as.token('alice', { resource: url })))).status).toBe(
      401,
    );
  });

  it('an issuer that cannot be reached is a 503 with Retry-After, not a 401', async () => {
    const as = await startAuthorizationServer();
    // Keys at a path the authorization server does not serve (a 404).
    const { url } = await startInProcess(config(as.issuer, { jwksUri: `${as.issuer}/no-such-jwks` }));
    const response = await post(url, INITIALIZE, bearer(await as.token('alice', { resource: url })));
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
      /^Service unavailable: the keys of http:\/\/127\.0\.0\.1:\d+ could not be fetched/,
    );
  });
});
