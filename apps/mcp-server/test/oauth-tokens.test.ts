/**
 * JWT access tokens judged claim by claim (#21): tokens made here with `jose` (so each claim can be
 * exactly what a case needs), their keys published by a small issuer on Bun.serve on 127.0.0.1 (a
 * JWKS and RFC 8414 metadata), checked by the gateway's `JwtVerifier` with an injected clock.
 * The whole path through a gateway, with a real authorization server, is `oauth-gateway.test.ts`.
 */
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { bearerChallenge, quotable } from '../src/auth/challenge.ts';
import { DISCOVERY_RETRY_MS, JwtVerifier, metadataCandidates } from '../src/auth/jwt-verifier.ts';
import { canonicalResource, metadataPaths, metadataUrlOf } from '../src/auth/resource.ts';
import { isConfigError } from '../src/config/errors.ts';
import { parseConfigValue } from '../src/config/load.ts';

const RESOURCE = 'http://127.0.0.1:7331/mcp';
const NOW = Date.UTC(2030, 0, 1); // ms: every token's times are relative to it
const S = NOW / 1_000;

type Key = { privateKey: CryptoKey; jwk: JWK };

async function key(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

interface Issuer {
  issuer: string;
  /** Keys the JWKS publishes (change it to rotate). */
  published: Key[];
  jwksFetches: number;
  metadataFetches: number;
  sign(claims: JWTPayload, options?: { key?: Key; iss?: string }): Promise<string>;
}

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

/** An issuer at `path` (e.g. `/tenant1`), serving RFC 8414 metadata with path insertion and a JWKS. */
async function startIssuer(path = '', metadataIssuer?: string): Promise<Issuer> {
  const state = { published: [await key('k1')], jwksFetches: 0, metadataFetches: 0 };
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(request): Response {
      const { pathname } = new URL(request.url);
      if (pathname === `/.well-known/oauth-authorization-server${path}`) {
        state.metadataFetches += 1;
        return Response.json({ issuer: metadataIssuer ?? issuer, jwks_uri: `${server.url.origin}/keys` });
      }
      if (pathname === '/keys') {
        state.jwksFetches += 1;
        return Response.json({ keys: state.published.map((k) => k.jwk) });
      }
      return new Response('not found', { status: 404 });
    },
  });
  stops.push(() => server.stop(true));
  const issuer: string = `${server.url.origin}${path}`;
  return Object.assign(state, {
    issuer,
    async sign(claims: JWTPayload, options: { key?: Key; iss?: string } = {}) {
      const k = options.key ?? state.published[0];
      if (!k) throw new Error('no key');
      return new SignJWT({ sub: 'alice', aud: RESOURCE, scope: 'mcp:tools', iat: S, exp: S + 300, ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: k.jwk.kid ?? '', typ: 'at+jwt' })
        .setIssuer(options.iss ?? issuer)
        .sign(k.privateKey);
    },
  });
}

function verifier(
  issuer: string,
  options: { now?: number; skew?: number; cooldown?: number; audiences?: string[] } = {},
) {
  return new JwtVerifier({
    issuer,
    audiences: options.audiences ?? [RESOURCE],
    clockSkewSec: options.skew ?? 30,
    jwksCooldownSec: options.cooldown ?? 30,
    now: () => options.now ?? NOW,
    fetchTimeoutMs: 2_000,
  });
}

describe('JWT access tokens', () => {
  it('a good token: principal = sub, client from client_id (else azp), scopes from scope or scp', async () => {
    const as = await startIssuer();
    const v = verifier(as.issuer);
    expect(await v.verify(await as.sign({ client_id: 'app-1', scope: 'mcp:tools mcp:admin' }))).toEqual({
      ok: true,
      subject: 'alice',
      clientId: 'app-1',
      scopes: new Set(['mcp:tools', 'mcp:admin']),
      // Its exp, for the front door to keep the token no longer than it lives (token exchange).
      expiresAt: expect.any(Number),
      // Every claim, for switchyard.policy (its groups claim).
      claims: expect.objectContaining({ sub: 'alice', client_id: 'app-1', scope: 'mcp:tools mcp:admin' }),
    });
    const scp = await v.verify(await as.sign({ scope: undefined, scp: ['a', 'b'], azp: 'app-2' }));
    expect(scp).toMatchObject({ ok: true, clientId: 'app-2', scopes: new Set(['a', 'b']) });
    // The metadata was found once (RFC 8414 at the root) and the keys fetched once for both tokens.
    expect(as.metadataFetches).toBe(1);
    expect(as.jwksFetches).toBe(1);
  });

  it('exp and nbf are judged by the injected clock, with the configured skew', async () => {
    const as = await startIssuer();
    const expiredBy = (seconds: number) => as.sign({ iat: S - 600, exp: S - seconds });
    expect((await verifier(as.issuer, { skew: 30 }).verify(await expiredBy(20))).ok).toBe(true);
    expect(await verifier(as.issuer, { skew: 30 }).verify(await expiredBy(40))).toEqual({
      ok: false,
      error: 'invalid_token',
      reason: 'the token has expired',
    });
    expect(await verifier(as.issuer, { skew: 0 }).verify(await expiredBy(1))).toMatchObject({ ok: false });
    const early = await as.sign({ nbf: S + 60 });
    expect(await verifier(as.issuer).verify(early)).toEqual({
      ok: false,
      error: 'invalid_token',
      reason: 'the token is not valid yet (nbf)',
    });
    // The same token once the clock has moved past its nbf.
    expect((await verifier(as.issuer, { now: NOW + 61_000 }).verify(early)).ok).toBe(true);
  });

  it('iss must be the configured issuer, even with a key the issuer publishes', async () => {
    const as = await startIssuer();
    const token = await as.sign({}, { iss: 'https://other.example' });
    expect(await verifier(as.issuer).verify(token)).toEqual({
      ok: false,
      error: 'invalid_token',
      reason: `the token was not issued by ${as.issuer}`,
    });
  });

  it('aud must name this resource (one of several is enough; scheme/host case and a trailing slash do not matter)', async () => {
    const as = await startIssuer();
    const v = verifier(as.issuer);
    expect((await v.verify(await as.sign({ aud: ['https://api.example', RESOURCE] }))).ok).toBe(true);
    expect((await v.verify(await as.sign({ aud: 'HTTP://127.0.0.1:7331/mcp/' }))).ok).toBe(true);
    for (const aud of [
      'http://127.0.0.1:7332/mcp',
      'http://127.0.0.1:7331/mcp/other',
      'http://127.0.0.1:7331',
      undefined,
    ]) {
      expect(await v.verify(await as.sign({ aud }))).toEqual({
        ok: false,
        error: 'invalid_token',
        reason: `the token is not for this resource: its aud does not name ${RESOURCE}`,
      });
    }
    // An extra audience (an issuer's API identifier) when configured.
    const extra = verifier(as.issuer, { audiences: [RESOURCE, 'urn:switchyard'] });
    expect((await extra.verify(await as.sign({ aud: 'urn:switchyard' }))).ok).toBe(true);
  });

  it('a bad signature, an unsigned token, a token with no sub, not a JWT', async () => {
    const as = await startIssuer();
    const v = verifier(as.issuer);
    const stranger = await key('k1'); // the published kid, another key
    expect(await v.verify(await as.sign({}, { key: stranger }))).toMatchObject({
      ok: false,
      reason: "the token's signature does not verify with the issuer's key",
    });
    const [header, payload] = (await as.sign({})).split('.');
    const none = `${btoa(JSON.stringify({ alg: 'none', kid: 'k1' })).replace(/=+$/, '')}.${payload}.`;
    expect(await v.verify(none)).toMatchObject({ ok: false, error: 'invalid_token' });
    expect(await v.verify(`${header}.${payload}.AAAA`)).toMatchObject({ ok: false, error: 'invalid_token' });
    expect(await v.verify(await as.sign({ sub: undefined }))).toEqual({
      ok: false,
      error: 'invalid_token',
      reason: 'the token has no sub',
    });
    expect(await v.verify('opaque-token-0123456789')).toMatchObject({ ok: false, error: 'invalid_token' });
  });

  it('a rotation: an unknown kid fetches the keys again, but not more than once per cooldown', async () => {
    const as = await startIssuer();
    const v = verifier(as.issuer, { cooldown: 0 });
    expect((await v.verify(await as.sign({}))).ok).toBe(true);
    const k2 = await key('k2');
    as.published = [k2];
    expect((await v.verify(await as.sign({}, { key: k2 }))).ok).toBe(true);
    expect(as.jwksFetches).toBe(2);

    const slow = await startIssuer();
    const cooled = verifier(slow.issuer, { cooldown: 3_600 });
    expect((await cooled.verify(await slow.sign({}))).ok).toBe(true);
    const k3 = await key('k3');
    slow.published = [k3];
    // Within the cooldown a made-up kid costs the issuer nothing: refused without a fetch.
    expect(await cooled.verify(await slow.sign({}, { key: k3 }))).toMatchObject({
      ok: false,
      reason: 'the token is signed with a key the issuer does not publish',
    });
    expect(slow.jwksFetches).toBe(1);
  });

  it('discovers the keys of an issuer with a path (RFC 8414 path insertion); metadata naming another issuer is not used', async () => {
    const tenant = await startIssuer('/tenant1');
    expect((await verifier(tenant.issuer).verify(await tenant.sign({}))).ok).toBe(true);
    expect(tenant.metadataFetches).toBe(1);

    const liar = await startIssuer('', 'https://someone-else.example');
    const result = await verifier(liar.issuer).verify(await liar.sign({}));
    expect(result).toMatchObject({ ok: false, error: 'unavailable' });
    expect(result.ok === false && result.reason).toMatch(/its issuer is "https:\/\/someone-else.example"/);
    expect(liar.jwksFetches).toBe(0);
  });

  it('a failed discovery stands for DISCOVERY_RETRY_MS (by the injected clock), then is tried again', async () => {
    const liar = await startIssuer('', 'https://someone-else.example');
    let now = NOW;
    const v = new JwtVerifier({
      issuer: liar.issuer,
      audiences: [RESOURCE],
      clockSkewSec: 30,
      jwksCooldownSec: 30,
      now: () => now,
    });
    const token = await liar.sign({});
    expect(await v.verify(token)).toMatchObject({ ok: false, error: 'unavailable' });
    now += DISCOVERY_RETRY_MS - 1;
    expect(await v.verify(token)).toMatchObject({ ok: false, error: 'unavailable' });
    expect(liar.metadataFetches).toBe(1);
    now += 1;
    expect(await v.verify(token)).toMatchObject({ ok: false, error: 'unavailable' });
    expect(liar.metadataFetches).toBe(2);
  });

  it('metadata candidates, canonical resources, PRM URLs and challenges', () => {
    expect(metadataCandidates('https://as.example/tenant1')).toEqual([
      'https://as.example/.well-known/oauth-authorization-server/tenant1',
      'https://as.example/.well-known/openid-configuration/tenant1',
      'https://as.example/tenant1/.well-known/openid-configuration',
    ]);
    expect(metadataCandidates('https://as.example')).toEqual([
      'https://as.example/.well-known/oauth-authorization-server',
      'https://as.example/.well-known/openid-configuration',
    ]);
    expect(canonicalResource('HTTPS://MCP.Example.com/mcp/')).toBe('https://mcp.example.com/mcp');
    expect(canonicalResource('https://mcp.example.com/')).toBe('https://mcp.example.com');
    expect(metadataUrlOf('https://mcp.example.com')).toBe(
      'https://mcp.example.com/.well-known/oauth-protected-resource',
    );
    expect(metadataUrlOf('https://mcp.example.com/public/mcp')).toBe(
      'https://mcp.example.com/.well-known/oauth-protected-resource/public/mcp',
    );
    expect([...metadataPaths('https://mcp.example.com/public/mcp')]).toEqual([
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource/public/mcp',
    ]);
    expect(quotable('say "hi" \\ é\n')).toBe("say 'hi' ? ??");
    expect(
      bearerChallenge(
        { error: 'invalid_token', reason: 'the "token"' },
        { metadataUrl: 'https://m/x', requiredScopes: [] },
      ),
    ).toBe(`Bearer error="invalid_token", error_description="the 'token'", resource_metadata="https://m/x"`);
  });
});

describe('switchyard.auth.oauth in the configuration', () => {
  const lines = (oauth: unknown): string[] => {
    try {
      parseConfigValue({ mcpServers: {}, switchyard: { auth: { oauth } } } as never, {
        source: 'test.json',
        baseDir: '/tmp',
        env: {},
      });
    } catch (error) {
      if (isConfigError(error)) return error.issues.map((i) => `${i.path}: expected ${i.expected}`);
      throw error;
    }
    return [];
  };

  it('names the key at fault', () => {
    expect(lines({ issuer: 'auth.example.com' })).toEqual([
      'switchyard.auth.oauth.issuer: expected an https URL with no query or fragment (http only to localhost / 127.x / [::1])',
    ]);
    expect(lines({ issuer: 'http://auth.example.com' })).toHaveLength(1);
    expect(lines({ issuer: 'https://auth.example.com', resource: 'mcp.example.com' })).toEqual([
      'switchyard.auth.oauth.resource: expected an http(s) URL with no fragment, such as https://mcp.example.com/mcp',
    ]);
    expect(lines({ issuer: 'https://auth.example.com', requiredScopes: ['two words'] })[0]).toMatch(
      /^switchyard\.auth\.oauth\.requiredScopes\.0: expected a scope/,
    );
    expect(lines({ issuer: 'https://auth.example.com', clockSkewSec: 3_600 })[0]).toMatch(
      /^switchyard\.auth\.oauth\.clockSkewSec: /,
    );
    expect(lines({})[0]).toMatch(/^switchyard\.auth\.oauth\.issuer: /);
  });

  it('fills the defaults of an oauth section, and turns the loopback pass off', () => {
    const config = parseConfigValue(
      { mcpServers: {}, switchyard: { auth: { oauth: { issuer: 'https://auth.example.com' } } } } as never,
      { source: 'test.json', baseDir: '/tmp', env: {} },
    );
    expect(config.settings.auth).toEqual({
      tokens: [],
      allowUnauthenticatedLoopback: false,
      oauth: {
        issuer: 'https://auth.example.com',
        requiredScopes: [],
        clockSkewSec: 30,
        jwksCooldownSec: 30,
      },
    });
  });
});
