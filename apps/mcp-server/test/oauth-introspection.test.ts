/**
 * Opaque access tokens at the front door, by token introspection (RFC 7662) against a real
 * authorization server (`oidc-provider` issuing opaque client credentials tokens for the gateway's
 * resource, its introspection and revocation endpoints on): an active token for this gateway lets
 * its client in (principal = its client, the token having no user); a revoked one, one for another
 * resource and one the server never issued are 401 `invalid_token`; answers are cached (one
 * introspection for many requests) to the token's expiry but no longer than `cacheMaxSec`, by the
 * injected clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Introspector } from '../src/auth/introspection.ts';
import { Secret } from '../src/config/secret.ts';
import { GATEWAY_CLIENT, secretOf, startAuthorizationServer } from './support/authorization-server.ts';
import { connectClient, fixtureEntry, post, type Served, serveGateway, tempDir } from './support/gateway.ts';

const TOOLS_LIST = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
const MODERN_LIST = {
  ...TOOLS_LIST,
  params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } },
};

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function setUp() {
  const as = await startAuthorizationServer({ opaque: true });
  const served: Served = await serveGateway(
    {
      mcpServers: { fx: fixtureEntry('fx', { tier: 'hot' }) },
      switchyard: {
        auth: {
          oauth: {
            issuer: as.issuer,
            requiredScopes: ['mcp:tools'],
            clockSkewSec: 0,
            introspection: {
              endpoint: as.endpoints.introspection,
              clientId: GATEWAY_CLIENT,
              clientSecret: { env: 'INTROSPECTION_SECRET' },
            },
          },
        },
      },
    },
    await tempDir(),
    { INTROSPECTION_SECRET: secretOf(GATEWAY_CLIENT) },
  );
  stops.push(() => served.stop());
  return { as, url: served.url };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('opaque access tokens, introspected', () => {
  it('an active opaque token for this gateway lists and calls; one introspection serves many requests', async () => {
    const { as, url } = await setUp();
    const token = await as.token('alice', { resource: url });
    expect(token.split('.')).toHaveLength(1); // opaque, not a JWT
    const client = await connectClient(url, { headers: bearer(token) });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('fx__add');
    const result = await client.callTool({ name: 'fx__add', arguments: { a: 2, b: 3 } });
    expect((result as { content: { text: string }[] }).content[0]?.text).toBe('5');
    expect(as.introspections()).toBe(1);
  });

  it('a revoked token, a token for another resource, and a made-up one: 401 invalid_token naming why', async () => {
    const { as, url } = await setUp();
    const revoked = await as.token('alice', { resource: url });
    await as.revoke('alice', revoked);
    const elsewhere = await as.token('bob', { resource: 'https://other.example/mcp' });
    const cases: [string, string][] = [
      [revoked, 'the token is not active'],
      [elsewhere, 'the token is not for this resource'],
      ['made-up-opaque-token-0123456789', 'the token is not active'],
    ];
    for (const [token, reason] of cases) {
      const response = await post(url, MODERN_LIST, {
        ...bearer(token),
        'mcp-method': 'tools/list',
        'mcp-protocol-version': '2026-07-28',
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain(reason);
    }
  });
});

describe('the introspection cache', () => {
  it("keeps an answer until the token's expiry but no longer than cacheMaxSec (a revocation is seen after it)", async () => {
    const as = await startAuthorizationServer({ opaque: true });
    let now = Date.now();
    const introspector = new Introspector(
      {
        endpoint: as.endpoints.introspection,
        clientId: GATEWAY_CLIENT,
        clientSecret: new Secret(secretOf(GATEWAY_CLIENT)),
        cacheMaxSec: 60,
        cacheSize: 100,
        timeoutMs: 5_000,
      },
      { now: () => now },
    );
    const token = await as.token('alice', { resource: 'https://gw.example/mcp' });
    const first = await introspector.introspect(token);
    expect(first).toMatchObject({ active: true, clientId: 'alice', audiences: ['https://gw.example/mcp'] });
    await as.revoke('alice', token);
    now += 59_000;
    expect((await introspector.introspect(token)).active).toBe(true); // cached
    expect(introspector.requests).toBe(1);
    now += 2_000;
    expect((await introspector.introspect(token)).active).toBe(false); // asked again: revoked
    expect(introspector.requests).toBe(2);
  });

  it('is bounded: past cacheSize the least recently used answer goes', async () => {
    const as = await startAuthorizationServer({ opaque: true });
    const introspector = new Introspector({
      endpoint: as.endpoints.introspection,
      clientId: GATEWAY_CLIENT,
      clientSecret: new Secret(secretOf(GATEWAY_CLIENT)),
      cacheMaxSec: 600,
      cacheSize: 2,
      timeoutMs: 5_000,
    });
    const tokens = await Promise.all(
      ['alice', 'bob', 'carol'].map((c) =>
        as.token(c, { resource: 'https://gw.example/mcp', scope: c === 'carol' ? 'mcp:read' : 'mcp:tools' }),
      ),
    );
    for (const t of tokens) await introspector.introspect(t);
    expect(introspector.requests).toBe(3);
    await introspector.introspect(tokens[2] ?? ''); // still cached
    expect(introspector.requests).toBe(3);
    await introspector.introspect(tokens[0] ?? ''); // evicted: asked again
    expect(introspector.requests).toBe(4);
  });
});
