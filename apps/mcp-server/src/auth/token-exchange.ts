/**
 * OAuth 2.0 Token Exchange (RFC 8693) for remote backends: the caller's access token (the subject
 * token) is traded at the authorization server's token endpoint — the gateway authenticating as its
 * own confidential client (`client_secret_basic`) — for a token meant for one backend: its
 * resource indicator (RFC 8707 `resource`, by default the backend's URL) and/or `audience`.
 *
 * The token got is cached per (principal, backend) until `refreshBeforeSec` before it expires; the
 * cache is bounded (least recently used go first). Concurrent calls for the same pair share one
 * exchange. A refused or failed exchange is a `TokenExchangeError` whose message names the backend
 * and the server's `error` / `error_description` — never a token.
 */
import { decodeJwt } from 'jose';
import type { Secret } from '../config/secret.ts';
import { BoundedCache } from './bounded-cache.ts';
import { basicAuth } from './client-auth.ts';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

export interface TokenExchangeSettings {
  tokenEndpoint: string;
  clientId: string;
  clientSecret: Secret;
  refreshBeforeSec: number;
  cacheSize: number;
  timeoutMs: number;
}

/** What the exchanged token is asked for. */
export interface ExchangeTarget {
  resource: string;
  audience?: string | undefined;
  scope?: readonly string[] | undefined;
}

export class TokenExchangeError extends Error {
  override readonly name = 'TokenExchangeError';
}

export function isTokenExchangeError(error: unknown): error is TokenExchangeError {
  return error instanceof Error && error.name === 'TokenExchangeError';
}

/** When a token got without `expires_in` expires: a JWT's `exp`, else unknown. */
function expiryOf(token: string): number | undefined {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' ? exp * 1_000 : undefined;
  } catch {
    return undefined;
  }
}

export class TokenExchanger {
  private readonly cache: BoundedCache<string>;
  private readonly now: () => number;
  private readonly fetch: typeof fetch;
  private count = 0;

  constructor(
    private readonly settings: TokenExchangeSettings,
    options: { now?: () => number; fetch?: typeof fetch } = {},
  ) {
    this.now = options.now ?? Date.now;
    this.fetch = options.fetch ?? fetch;
    this.cache = new BoundedCache(settings.cacheSize, this.now);
  }

  /** Exchanges made (requests sent to the token endpoint) since start. */
  get exchanges(): number {
    return this.count;
  }

  /** A token for `backend` on behalf of `principal`, whose access token is `subjectToken`. */
  tokenFor(
    principal: string,
    backend: string,
    subjectToken: string,
    target: ExchangeTarget,
    signal?: AbortSignal,
  ): Promise<string> {
    return this.cache.load(`${backend}\u0000${principal}`, async () => {
      const { token, expiresAt } = await this.exchange(backend, subjectToken, target, signal);
      const until = expiresAt === undefined ? undefined : expiresAt - this.settings.refreshBeforeSec * 1_000;
      return { value: token, until };
    });
  }

  /**
   * Drops the cached token of `principal` for `backend` (the backend refused it: revoked, or its
   * audience changed), so its next request exchanges again instead of reusing a refused token.
   */
  forget(principal: string, backend: string): void {
    this.cache.delete(`${backend}\u0000${principal}`);
  }

  private async exchange(
    backend: string,
    subjectToken: string,
    target: ExchangeTarget,
    signal?: AbortSignal,
  ): Promise<{ token: string; expiresAt: number | undefined }> {
    const { settings } = this;
    const body = new URLSearchParams({
      grant_type: TOKEN_EXCHANGE_GRANT,
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN_TYPE,
      requested_token_type: ACCESS_TOKEN_TYPE,
      resource: target.resource,
    });
    if (target.audience !== undefined) body.set('audience', target.audience);
    if (target.scope && target.scope.length > 0) body.set('scope', target.scope.join(' '));
    const fail = (why: string) =>
      new TokenExchangeError(
        `token exchange for backend "${backend}" at ${settings.tokenEndpoint} failed: ${why}`,
      );
    const timeout = AbortSignal.timeout(settings.timeoutMs);
    this.count += 1;
    let response: Response;
    try {
      response = await this.fetch(settings.tokenEndpoint, {
        method: 'POST',
        headers: {
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basicAuth(settings.clientId, settings.clientSecret.reveal()),
        },
        body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      throw fail(
        timeout.aborted
          ? `no answer within ${settings.timeoutMs} ms`
          : (error as Error).message || 'unreachable',
      );
    }
    const answer = (await response.json().catch(() => null)) as {
      access_token?: unknown;
      expires_in?: unknown;
      error?: unknown;
      error_description?: unknown;
    } | null;
    if (!response.ok || answer === null || typeof answer.access_token !== 'string') {
      const error = typeof answer?.error === 'string' ? answer.error : `HTTP ${response.status}`;
      const description =
        typeof answer?.error_description === 'string' ? ` (${answer.error_description})` : '';
      throw fail(
        response.ok ? 'the answer holds no access_token' : `${error}${description}, HTTP ${response.status}`,
      );
    }
    const token = answer.access_token;
    const expiresAt =
      typeof answer.expires_in === 'number' && answer.expires_in > 0
        ? this.now() + answer.expires_in * 1_000
        : expiryOf(token);
    return { token, expiresAt };
  }
}
