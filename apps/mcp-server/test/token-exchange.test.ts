/**
 * Token exchange (RFC 8693) as the gateway does it, against a real authorization server
 * (`oidc-provider` with the test's exchange grant): the token got is cached per (principal,
 * backend) until `refreshBeforeSec` before it expires (by the injected clock), concurrent asks
 * share one exchange, the cache is bounded, and a refusal is a `TokenExchangeError` naming the
 * server's error and never a token.
 */
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { isTokenExchangeError, TokenExchanger } from '../src/auth/token-exchange.ts';
import { Secret } from '../src/config/secret.ts';
import { GATEWAY_CLIENT, secretOf, startAuthorizationServer } from './support/authorization-server.ts';

const GW = 'https://gw.example/mcp';
const BACKEND = { resource: 'https://backend.example/mcp' };

function exchanger(
  tokenEndpoint: string,
  options: { now?: () => number; cacheSize?: number; secret?: string } = {},
) {
  return new TokenExchanger(
    {
      tokenEndpoint,
      clientId: GATEWAY_CLIENT,
      clientSecret: new Secret(options.secret ?? secretOf(GATEWAY_CLIENT)),
      refreshBeforeSec: 30,
      cacheSize: options.cacheSize ?? 100,
      timeoutMs: 5_000,
    },
    { ...(options.now && { now: options.now }) },
  );
}

describe('TokenExchanger', () => {
  it('caches per (principal, backend) until refreshBeforeSec before expiry, by the injected clock', async () => {
    const as = await startAuthorizationServer({ exchangeTtlSec: 300 });
    let now = Date.now();
    const x = exchanger(as.endpoints.token, { now: () => now });
    const subject = await as.token('alice', { resource: GW });
    const first = await x.tokenFor('alice', 'b', subject, BACKEND);
    expect(decodeJwt(first)).toMatchObject({ sub: 'alice', aud: BACKEND.resource });
    expect(await x.tokenFor('alice', 'b', subject, BACKEND)).toBe(first);
    now += 269_000;
    expect(await x.tokenFor('alice', 'b', subject, BACKEND)).toBe(first);
    expect(x.exchanges).toBe(1);
    now += 2_000; // 29 s before expiry: exchanged anew
    expect(await x.tokenFor('alice', 'b', subject, BACKEND)).not.toBe(first);
    expect(x.exchanges).toBe(2);
    // Another backend is another token.
    const other = await x.tokenFor('alice', 'c', subject, { resource: 'https://c.example/mcp' });
    expect(decodeJwt(other).aud).toBe('https://c.example/mcp');
    expect(as.exchanges()).toHaveLength(3);
  });

  it('concurrent asks share one exchange; the cache is bounded (least recently used go)', async () => {
    const as = await startAuthorizationServer();
    const x = exchanger(as.endpoints.token, { cacheSize: 1 });
    const alice = await as.token('alice', { resource: GW });
    const bob = await as.token('bob', { resource: GW });
    const tokens = await Promise.all(
      Array.from({ length: 5 }, () => x.tokenFor('alice', 'b', alice, BACKEND)),
    );
    expect(new Set(tokens).size).toBe(1);
    expect(x.exchanges).toBe(1);
    await x.tokenFor('bob', 'b', bob, BACKEND); // alice's goes
    await x.tokenFor('alice', 'b', alice, BACKEND);
    expect(x.exchanges).toBe(3);
  });

  it("a refusal names the server's error and not the token; an unreachable endpoint is named", async () => {
    const as = await startAuthorizationServer();
    const subject = await as.token('alice', { resource: GW });
    const refusal = await exchanger(as.endpoints.token)
      .tokenFor('alice', 'b', `${subject}x`, BACKEND)
      .catch((e: unknown) => e);
    expect(isTokenExchangeError(refusal)).toBe(true);
    expect((refusal as Error).message).toContain('token exchange for backend "b"');
    expect((refusal as Error).message).toContain('invalid_grant');
    expect((refusal as Error).message).not.toContain(subject);
    const badClient = await exchanger(as.endpoints.token, { secret: 'wrong-secret-0123456789' })
      .tokenFor('alice', 'b', subject, BACKEND)
      .catch((e: Error) => e.message);
    expect(badClient).toContain('invalid_client');
    const down = await exchanger('http://127.0.0.1:1/token')
      .tokenFor('alice', 'b', subject, BACKEND)
      .catch((e: unknown) => e);
    expect(isTokenExchangeError(down)).toBe(true);
    expect((down as Error).message).toContain('http://127.0.0.1:1/token failed');
  });
});
