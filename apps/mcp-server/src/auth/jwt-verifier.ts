/**
 * JWT access tokens (RFC 9068) checked as an OAuth 2.1 resource server must (OAuth 2.1 §5.2, the
 * MCP authorization spec): the signature against the issuer's published keys (its JWKS, fetched,
 * cached and fetched again when a token names a `kid` it does not hold — a key rotation), `iss`
 * equal to the configured issuer, `exp` / `nbf` with a small clock skew, and an `aud` naming this
 * gateway (RFC 8707: a token minted for another resource is refused, so a token stolen from, or
 * meant for, another server is of no use here). What passes yields the principal (`sub`), the
 * client (`client_id`, else `azp`) and the granted scopes (`scope`, space-separated, or `scp`).
 *
 * `jose` does the cryptography and the time claims; the audience is compared here, in canonical
 * form (scheme and host case, a trailing slash), so that the reason a token is refused can say so.
 * Failing to reach the issuer is not the caller's fault: it is `unavailable` (503), not a 401
 * that would send a client to fetch a new token it does not need.
 */
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { canonicalResource } from './resource.ts';

export interface JwtVerifierSettings {
  /** The `iss` tokens must carry (and, without `jwksUri`, where the keys are discovered). */
  issuer: string;
  /** The issuer's JWKS; by default `jwks_uri` from its metadata (RFC 8414, then OpenID discovery). */
  jwksUri?: string;
  /** Values of which `aud` must contain one (compared in canonical form). */
  audiences: readonly string[];
  clockSkewSec: number;
  /** After a fetch of the JWKS, how long an unknown `kid` does not cause another (jose's cooldown). */
  jwksCooldownSec: number;
  /** Milliseconds since the epoch; `Date.now` unless a test moves time. */
  now?: () => number;
  /** Bound on each fetch of metadata or keys. Default 5 000 ms. */
  fetchTimeoutMs?: number;
}

export interface VerifiedToken {
  subject: string;
  clientId?: string;
  scopes: ReadonlySet<string>;
  /** Every claim of the token (`switchyard.policy` reads its groups claim). */
  claims?: Readonly<Record<string, unknown>>;
  /** When the token expires (its `exp`), ms since the epoch. */
  expiresAt?: number;
}

export type TokenCheck =
  | ({ ok: true } & VerifiedToken)
  | { ok: false; error: 'invalid_token'; reason: string }
  | { ok: false; error: 'unavailable'; reason: string };

/** The issuer's metadata (or its keys) could not be had: the gateway cannot judge any token. */
export class IssuerUnavailableError extends Error {
  override readonly name = 'IssuerUnavailableError';
}

/** Where an issuer's metadata may be, in the MCP spec's order (RFC 8414 §3.1 and its §5). */
export function metadataCandidates(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '') {
    return [
      `${url.origin}/.well-known/oauth-authorization-server`,
      `${url.origin}/.well-known/openid-configuration`,
    ];
  }
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}/.well-known/openid-configuration${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
}

/** How long a failed discovery of the issuer's keys stands before it is tried again. */
export const DISCOVERY_RETRY_MS = 5_000;

/** A JWS compact serialization: three base64url parts. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export class JwtVerifier {
  private keys: Promise<JWTVerifyGetKey> | undefined;
  /** When the discovery in `keys` failed (by `now`, ms), else undefined. */
  private failedAt: number | undefined;
  private readonly audiences: Set<string>;
  private readonly now: () => number;
  private readonly fetchTimeoutMs: number;

  constructor(private readonly settings: JwtVerifierSettings) {
    this.audiences = new Set(settings.audiences.map(canonicalResource));
    this.now = settings.now ?? Date.now;
    this.fetchTimeoutMs = settings.fetchTimeoutMs ?? 5_000;
  }

  /** Why a token whose `aud` holds `audience` is not for this resource; undefined when it is. */
  audienceRefusal(audience: readonly unknown[]): string | undefined {
    if (audience.some((a) => typeof a === 'string' && this.audiences.has(canonicalResource(a))))
      return undefined;
    return `the token is not for this resource: its aud does not name ${[...this.audiences].join(' or ')}`;
  }

  /** Whether `token` looks like a JWT at all (else it is no use asking the issuer's keys). */
  static isJwt(token: string): boolean {
    return COMPACT_JWS.test(token);
  }

  async verify(token: string): Promise<TokenCheck> {
    if (!JwtVerifier.isJwt(token)) {
      return { ok: false, error: 'invalid_token', reason: 'the bearer token is not valid' };
    }
    let payload: JWTPayload;
    try {
      const keys = await this.keySet();
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.settings.issuer,
        clockTolerance: this.settings.clockSkewSec,
        currentDate: new Date(this.now()),
      }));
    } catch (error) {
      return this.refusal(error);
    }
    const audience =
      payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    const notForUs = this.audienceRefusal(audience);
    if (notForUs !== undefined) return { ok: false, error: 'invalid_token', reason: notForUs };
    if (typeof payload.sub !== 'string' || payload.sub === '') {
      return { ok: false, error: 'invalid_token', reason: 'the token has no sub' };
    }
    const clientId =
      typeof payload.client_id === 'string'
        ? payload.client_id
        : typeof payload.azp === 'string'
          ? payload.azp
          : undefined;
    return {
      ok: true,
      subject: payload.sub,
      ...(clientId !== undefined && { clientId }),
      scopes: scopesOf(payload),
      claims: payload,
      ...(typeof payload.exp === 'number' && { expiresAt: payload.exp * 1_000 }),
    };
  }

  /**
   * The key set, its URI discovered once. A failed discovery answers every request for
   * `DISCOVERY_RETRY_MS` (the 503's Retry-After), then the next request tries again: an issuer that
   * is down is not asked once per request.
   */
  private keySet(): Promise<JWTVerifyGetKey> {
    if (this.failedAt !== undefined && this.now() - this.failedAt >= DISCOVERY_RETRY_MS) {
      this.keys = undefined;
      this.failedAt = undefined;
    }
    if (this.keys === undefined) {
      const keys = this.jwksUri().then((uri) =>
        createRemoteJWKSet(new URL(uri), {
          cooldownDuration: this.settings.jwksCooldownSec * 1_000,
          timeoutDuration: this.fetchTimeoutMs,
        }),
      );
      keys.catch(() => {
        if (this.keys === keys) this.failedAt = this.now();
      });
      this.keys = keys;
    }
    return this.keys;
  }

  private async jwksUri(): Promise<string> {
    if (this.settings.jwksUri !== undefined) return this.settings.jwksUri;
    const tried: string[] = [];
    for (const candidate of metadataCandidates(this.settings.issuer)) {
      let response: Response;
      try {
        response = await fetch(candidate, {
          headers: { accept: 'application/json' },
          signal: AbortSignal.timeout(this.fetchTimeoutMs),
        });
      } catch (error) {
        tried.push(`${candidate}: ${(error as Error).message}`);
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        tried.push(`${candidate}: HTTP ${response.status}`);
        continue;
      }
      const metadata = (await response.json().catch(() => null)) as {
        issuer?: unknown;
        jwks_uri?: unknown;
      } | null;
      // RFC 8414 §3.3: metadata naming another issuer must not be used.
      if (metadata?.issuer !== this.settings.issuer) {
        tried.push(`${candidate}: its issuer is ${JSON.stringify(metadata?.issuer)}`);
        continue;
      }
      if (typeof metadata.jwks_uri !== 'string' || URL.parse(metadata.jwks_uri) === null) {
        tried.push(`${candidate}: no jwks_uri`);
        continue;
      }
      return metadata.jwks_uri;
    }
    throw new IssuerUnavailableError(
      `the keys of ${this.settings.issuer} could not be found (${tried.join('; ')})`,
    );
  }

  private refusal(error: unknown): TokenCheck {
    const invalid = (reason: string): TokenCheck => ({ ok: false, error: 'invalid_token', reason });
    if (error instanceof errors.JWTExpired) return invalid('the token has expired');
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.claim === 'iss') return invalid(`the token was not issued by ${this.settings.issuer}`);
      if (error.claim === 'nbf') return invalid('the token is not valid yet (nbf)');
      return invalid(`the token's ${error.claim} claim is not valid`);
    }
    if (error instanceof errors.JWSSignatureVerificationFailed)
      return invalid("the token's signature does not verify with the issuer's key");
    if (error instanceof errors.JWKSNoMatchingKey)
      return invalid('the token is signed with a key the issuer does not publish');
    if (
      error instanceof errors.JWSInvalid ||
      error instanceof errors.JWTInvalid ||
      error instanceof errors.JOSEAlgNotAllowed ||
      error instanceof errors.JOSENotSupported ||
      error instanceof errors.JWKInvalid
    ) {
      return invalid('the bearer token is not a valid JWT');
    }
    // The JWKS or the metadata could not be fetched, or made no sense: the issuer's side.
    return {
      ok: false,
      error: 'unavailable',
      reason:
        error instanceof IssuerUnavailableError
          ? error.message
          : `the keys of ${this.settings.issuer} could not be fetched`,
    };
  }
}

/** Granted scopes: `scope` (RFC 9068, space-separated) or `scp` (an array, or a string, by some issuers). */
export function scopesOf(payload: JWTPayload): Set<string> {
  const scopes = new Set<string>();
  const add = (value: unknown): void => {
    if (typeof value === 'string') {
      for (const s of value.split(' ')) if (s !== '') scopes.add(s);
    } else if (Array.isArray(value)) {
      for (const s of value) if (typeof s === 'string') add(s);
    }
  };
  add(payload.scope);
  add(payload.scp);
  return scopes;
}
