/**
 * Test support: a real OAuth 2.1 / OpenID authorization server — `oidc-provider` on 127.0.0.1 and
 * an ephemeral port — issuing JWT access tokens (RFC 9068) for the resource a client names (RFC 8707
 * resource indicators), by the client credentials grant. Its clients:
 *
 * - `alice`, `bob`: may ask for `mcp:tools` and `mcp:admin`;
 * - `carol`: may ask for `mcp:read` only (a token without the gateway's required scope);
 * - `brief`: like alice, but its tokens live 1 s (an expired token without moving any clock).
 *
 * Each secret is the client id + `-secret-0123456789`. `rotate()` swaps the signing key for a new
 * one (a new `kid`) on the same issuer and port, as a key rotation does. Stopped after each test.
 */
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';
import { afterEach } from 'vitest';

export const SCOPES = ['mcp:tools', 'mcp:admin', 'mcp:read'];

const CLIENTS = [
  { client_id: 'alice', scope: 'mcp:tools mcp:admin' },
  { client_id: 'bob', scope: 'mcp:tools mcp:admin' },
  { client_id: 'carol', scope: 'mcp:read' },
  { client_id: 'brief', scope: 'mcp:tools mcp:admin' },
].map((c) => ({
  ...c,
  client_secret: secretOf(c.client_id),
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
}));

export function secretOf(clientId: string): string {
  return `${clientId}-secret-0123456789`;
}

export interface AuthorizationServer {
  issuer: string;
  /** A JWT access token for `client`, for `resource` (RFC 8707), with `scope`. */
  token(client: string, options: { resource: string; scope?: string }): Promise<string>;
  /** Signs with a fresh key (a new kid) from now on; the old key is no longer published. */
  rotate(): Promise<void>;
  /** The kid now signing. */
  kid(): string;
  /** How many times the JWKS was fetched. */
  jwksFetches(): number;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

let keySerial = 0;
async function signingKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  keySerial += 1;
  return { ...(await exportJWK(privateKey)), kid: `key-${keySerial}`, alg: 'RS256', use: 'sig' };
}

function provider(issuer: string, key: JWK): Provider {
  const p = new Provider(issuer, {
    clients: CLIENTS,
    jwks: { keys: [key] },
    scopes: SCOPES,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // A token request must name its resource: there is no default audience.
        defaultResource: () => undefined as unknown as string,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resourceIndicator: string, client: { clientId: string }) => ({
          scope: SCOPES.join(' '),
          audience: resourceIndicator,
          accessTokenFormat: 'jwt',
          accessTokenTTL: client.clientId === 'brief' ? 1 : 300,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  });
  // The provider's own log lines (a deprecated-runtime notice, dev adapter warnings) stay out of the test output.
  p.on('server_error', () => {});
  return p;
}

export async function startAuthorizationServer(): Promise<AuthorizationServer> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const issuer = `http://127.0.0.1:${port}`;
  let key = await signingKey();
  let jwksFetches = 0;
  let handler = provider(issuer, key).callback();
  server.on('request', (req, res) => {
    if (req.url?.startsWith('/jwks')) jwksFetches += 1;
    handler(req, res);
  });
  return {
    issuer,
    async token(client, options) {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${btoa(`${client}:${secretOf(client)}`)}`,
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          resource: options.resource,
          scope: options.scope ?? 'mcp:tools',
        }),
      });
      const body = (await response.json()) as { access_token?: string };
      if (!response.ok || body.access_token === undefined)
        throw new Error(`token for ${client}: HTTP ${response.status} ${JSON.stringify(body)}`);
      return body.access_token;
    },
    async rotate() {
      key = await signingKey();
      handler = provider(issuer, key).callback();
    },
    kid: () => key.kid ?? '',
    jwksFetches: () => jwksFetches,
  };
}
