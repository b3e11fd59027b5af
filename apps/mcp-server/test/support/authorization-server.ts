/**
 * Test support: a real OAuth 2.1 / OpenID authorization server — `oidc-provider` on 127.0.0.1 and
 * an ephemeral port — issuing JWT access tokens (RFC 9068) for the resource a client names (RFC 8707
 * resource indicators), by the client credentials grant. Its clients:
 *
 * - `alice`, `bob`: may ask for `mcp:tools` and `mcp:admin`;
 * - `carol`: may ask for `mcp:read` only (a token without the gateway's required scope);
 * - `brief`: like alice, but its tokens live 1 s (an expired token without moving any clock).
 *
 * - `switchyard-gw`: the gateway as a confidential client of its own — token exchange (RFC 8693)
 *   and introspection (RFC 7662).
 *
 * Each secret is the client id + `-secret-0123456789`. `rotate()` swaps the signing key for a new
 * one (a new `kid`) on the same issuer and port, as a key rotation does. Stopped after each test.
 *
 * Token exchange is this test's own grant (`registerGrantType`; oidc-provider has none built in):
 * the subject token must be a JWT access token this server signed and that has not expired; the
 * token issued is a JWT access token (RFC 9068) with the subject's `sub` and `client_id`, `aud` =
 * the `resource` asked for (or `audience`), `act: { sub: <the exchanging client> }` (RFC 8693 §4.1)
 * and `exchangeTtlSec` to live — unless `refuseExchanges(sub)` was called for its subject: then
 * `invalid_grant` (the subject's grant revoked). Each exchange is recorded. With `opaque`, the access tokens of the
 * client credentials grant are opaque (checked by introspection), not JWTs; `revoke` revokes one.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, importJWK, type JWK, jwtVerify, SignJWT } from 'jose';
import Provider, { errors } from 'oidc-provider';
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

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** The gateway's own client at this server. */
export const GATEWAY_CLIENT = 'switchyard-gw';

const GATEWAY = {
  client_id: GATEWAY_CLIENT,
  client_secret: secretOf(GATEWAY_CLIENT),
  scope: SCOPES.join(' '),
  grant_types: [TOKEN_EXCHANGE, 'client_credentials'],
  redirect_uris: [],
  response_types: [],
};

export interface AuthorizationServerOptions {
  /** Client credentials access tokens are opaque (introspected), not JWTs. */
  opaque?: boolean;
  /** Lifetime of exchanged tokens, s. Default 300. */
  exchangeTtlSec?: number;
  /** More claims in the JWT access tokens of a client, by client id (e.g. `{ alice: { groups: ['ops'] } }`). */
  extraClaims?: Record<string, Record<string, unknown>>;
}

/** One token exchange the server answered. */
export interface Exchange {
  /** The subject token's `sub`. */
  subject: string;
  resource?: string;
  audience?: string;
  /** The exchanging client. */
  client: string;
}

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
  /** How many introspection requests it got. */
  introspections(): number;
  /** The token exchanges answered so far (successful ones). */
  exchanges(): readonly Exchange[];
  /** From now on, token exchanges for subject `sub` are refused (`invalid_grant`); `false` lifts it. */
  refuseExchanges(sub: string, refuse?: boolean): void;
  /** Revokes an access token (RFC 7009), as its client. */
  revoke(client: string, token: string): Promise<void>;
  /** Where its endpoints are. */
  endpoints: { token: string; introspection: string; revocation: string };
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

/** The test's token exchange grant (see the file's comment). */
function tokenExchangeGrant(
  issuer: string,
  key: JWK,
  ttlSec: number,
  exchanges: Exchange[],
  refused: ReadonlySet<string>,
) {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = key;
  return async (ctx: {
    oidc: { params: Record<string, unknown>; client: { clientId: string } };
    body: unknown;
  }): Promise<void> => {
    const { params, client } = ctx.oidc;
    if (params.subject_token_type !== ACCESS_TOKEN_TYPE)
      throw new errors.InvalidRequest('subject_token_type must be an access token');
    const resource = typeof params.resource === 'string' ? params.resource : undefined;
    const audience = typeof params.audience === 'string' ? params.audience : undefined;
    if (resource === undefined && audience === undefined)
      throw new errors.InvalidTarget('a resource or an audience is needed');
    let subject: Record<string, unknown>;
    try {
      ({ payload: subject } = await jwtVerify(
        String(params.subject_token),
        await importJWK(publicJwk, 'RS256'),
        {
          issuer,
        },
      ));
    } catch (error) {
      throw new errors.InvalidGrant(`subject_token is not valid: ${(error as Error).message}`);
    }
    if (refused.has(String(subject.sub)))
      throw new errors.InvalidGrant(`the grant of ${String(subject.sub)} was revoked`);
    const now = Math.floor(Date.now() / 1_000);
    const accessToken = await new SignJWT({
      client_id: subject.client_id,
      scope: typeof params.scope === 'string' ? params.scope : subject.scope,
      act: { sub: client.clientId },
    })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid ?? '', typ: 'at+jwt' })
      .setIssuer(issuer)
      .setSubject(String(subject.sub))
      .setAudience(resource ?? audience ?? '')
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSec)
      .setJti(randomUUID())
      .sign(await importJWK(key, 'RS256'));
    exchanges.push({
      subject: String(subject.sub),
      client: client.clientId,
      ...(resource !== undefined && { resource }),
      ...(audience !== undefined && { audience }),
    });
    ctx.body = {
      access_token: accessToken,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      expires_in: ttlSec,
    };
  };
}

function provider(
  issuer: string,
  key: JWK,
  options: AuthorizationServerOptions,
  exchanges: Exchange[],
  refused: ReadonlySet<string>,
): Provider {
  const p = new Provider(issuer, {
    clients: [...CLIENTS, GATEWAY],
    jwks: { keys: [key] },
    scopes: SCOPES,
    extraTokenClaims: (_ctx: unknown, token: { clientId?: string }) =>
      token.clientId === undefined ? undefined : options.extraClaims?.[token.clientId],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // A token request must name its resource: there is no default audience.
        defaultResource: () => undefined as unknown as string,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resourceIndicator: string, client: { clientId: string }) => ({
          scope: SCOPES.join(' '),
          audience: resourceIndicator,
          accessTokenFormat: options.opaque ? 'opaque' : 'jwt',
          accessTokenTTL: client.clientId === 'brief' ? 1 : 300,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  });
  // The provider's own log lines (a deprecated-runtime notice, dev adapter warnings) stay out of the test output.
  p.on('server_error', () => {});
  p.registerGrantType(
    TOKEN_EXCHANGE,
    tokenExchangeGrant(issuer, key, options.exchangeTtlSec ?? 300, exchanges, refused),
    ['subject_token', 'subject_token_type', 'requested_token_type', 'resource', 'audience', 'scope'],
  );
  return p;
}

export async function startAuthorizationServer(
  options: AuthorizationServerOptions = {},
): Promise<AuthorizationServer> {
  const exchanges: Exchange[] = [];
  const refused = new Set<string>();
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const issuer = `http://127.0.0.1:${port}`;
  let key = await signingKey();
  let jwksFetches = 0;
  let introspections = 0;
  let handler = provider(issuer, key, options, exchanges, refused).callback();
  server.on('request', (req, res) => {
    if (req.url?.startsWith('/jwks')) jwksFetches += 1;
    if (req.url?.startsWith('/token/introspection')) introspections += 1;
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
      handler = provider(issuer, key, options, exchanges, refused).callback();
    },
    kid: () => key.kid ?? '',
    jwksFetches: () => jwksFetches,
    exchanges: () => exchanges,
    refuseExchanges(sub, refuse = true) {
      if (refuse) refused.add(sub);
      else refused.delete(sub);
    },
    introspections: () => introspections,
    async revoke(client, token) {
      const response = await fetch(`${issuer}/token/revocation`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${btoa(`${client}:${secretOf(client)}`)}`,
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
      });
      if (!response.ok) throw new Error(`revoke: HTTP ${response.status} ${await response.text()}`);
    },
    endpoints: {
      token: `${issuer}/token`,
      introspection: `${issuer}/token/introspection`,
      revocation: `${issuer}/token/revocation`,
    },
  };
}
