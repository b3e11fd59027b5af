/**
 * Who is calling the HTTP front door: a static bearer token of `auth.tokens` (its principal), else,
 * with `auth.oauth` configured, a JWT access token of the issuer (principal = its `sub`), else
 * nobody — or `local` from loopback where the configuration lets a caller in without credentials.
 *
 * A static token is compared first and wins: it is the operator's own, needs no issuer and carries
 * no scopes to check. Static principals and token subjects share one namespace (sessions, per-
 * principal limits, `admin.principals`), so a static principal should not be a `sub` the issuer
 * could mint.
 *
 * A refusal carries its status and challenge: 401 (no or a bad token; with OAuth, the challenge
 * names the Protected Resource Metadata), 403 (`insufficient_scope`), 503 (the issuer's keys could
 * not be had: no fault of the caller's, so not a 401 that would send it for another token).
 */

import { DISCOVERY_RETRY_MS } from './jwt-verifier.ts';
import { type OAuthCheck, OAuthResourceServer, type OAuthSettings } from './oauth.ts';
import { Authenticator, type AuthSettings, bearerToken, wwwAuthenticate } from './static-tokens.ts';

export type FrontAuthResult =
  | {
      ok: true;
      principal: string;
      clientId?: string;
      /** A static token's configured groups. */
      groups?: readonly string[];
      /** An access token's scopes and claims (what `switchyard.policy` reads). */
      scopes?: readonly string[];
      claims?: Readonly<Record<string, unknown>>;
    }
  | { ok: false; status: 401 | 403 | 503; reason: string; headers: Record<string, string> };

export interface FrontAuthSettings extends AuthSettings {
  oauth?: OAuthSettings | undefined;
}

/** Seconds a client is asked to wait when the issuer's keys could not be fetched. */
const UNAVAILABLE_RETRY_AFTER_S = Math.ceil(DISCOVERY_RETRY_MS / 1_000);

export class FrontAuth {
  private readonly statics: Authenticator;
  /** The resource server, when `auth.oauth` is configured. */
  readonly oauth: OAuthResourceServer | undefined;

  private readonly onAccessToken:
    | ((principal: string, token: string, expiresAt?: number) => void)
    | undefined;

  constructor(
    settings: FrontAuthSettings,
    options: {
      defaultResource: () => string;
      now?: () => number;
      /**
       * Told of each access token accepted (a JWT or an introspected one): what token exchange
       * trades for a backend's token. Not told of static tokens.
       */
      onAccessToken?: (principal: string, token: string, expiresAt?: number) => void;
    },
  ) {
    this.statics = new Authenticator(settings);
    this.oauth = settings.oauth && new OAuthResourceServer(settings.oauth, options);
    this.onAccessToken = options.onAccessToken;
  }

  /**
   * Synchronous unless an access token has to be checked: a static token (the common case on the
   * hot path) costs no promise.
   */
  authenticate(
    authorization: string | null,
    /** Whether the caller connects from loopback, or how to find out (asked only when it matters). */
    fromLoopback: boolean | (() => boolean),
  ): FrontAuthResult | Promise<FrontAuthResult> {
    const known = this.statics.authenticate(authorization, fromLoopback);
    if (known.ok) return known;
    const oauth = this.oauth;
    if (oauth === undefined) {
      return {
        ok: false,
        status: 401,
        reason: known.reason,
        headers: { 'www-authenticate': wwwAuthenticate(known) },
      };
    }
    const token = authorization === null ? null : bearerToken(authorization);
    if (token === null || token === undefined) {
      const challenge =
        known.error === 'missing'
          ? { error: 'missing' as const }
          : { error: 'invalid_token' as const, reason: known.reason };
      return {
        ok: false,
        status: 401,
        reason: known.reason,
        headers: { 'www-authenticate': oauth.challenge(challenge) },
      };
    }
    return oauth.check(token).then((check) => {
      if (check.ok) this.onAccessToken?.(check.principal, token, check.expiresAt);
      return this.fromOAuth(oauth, check);
    });
  }

  private fromOAuth(oauth: OAuthResourceServer, check: OAuthCheck): FrontAuthResult {
    if (check.ok) {
      return {
        ok: true,
        principal: check.principal,
        ...(check.clientId !== undefined && { clientId: check.clientId }),
        scopes: [...check.scopes],
        ...(check.claims !== undefined && { claims: check.claims }),
      };
    }
    if (check.status === 503) {
      return {
        ok: false,
        status: 503,
        reason: check.reason,
        headers: { 'retry-after': String(UNAVAILABLE_RETRY_AFTER_S) },
      };
    }
    return {
      ok: false,
      status: check.status,
      reason: check.reason,
      headers: { 'www-authenticate': oauth.challenge(check.challenge) },
    };
  }
}
