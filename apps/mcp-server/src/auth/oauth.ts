/**
 * The gateway as an OAuth 2.1 resource server (`switchyard.auth.oauth`): it serves its Protected
 * Resource Metadata, checks JWT access tokens from the configured issuer (`jwt-verifier.ts`) and
 * the scopes every request needs, and words the challenge of a refusal (`challenge.ts`).
 *
 * The resource identifier is fixed at the first request (`resource.ts`): the configured one, else
 * `<origin the gateway listens on>/mcp` — known only once the server listens, hence the function.
 */
import { bearerChallenge, type Challenge } from './challenge.ts';
import {
  type Introspected,
  type IntrospectionSettings,
  IntrospectionUnavailableError,
  Introspector,
} from './introspection.ts';
import { JwtVerifier, type VerifiedToken } from './jwt-verifier.ts';
import { canonicalResource, metadataPaths, metadataUrlOf, protectedResourceMetadata } from './resource.ts';

export interface OAuthSettings {
  issuer: string;
  jwksUri?: string | undefined;
  resource?: string | undefined;
  /** More `aud` values accepted beside the resource (an issuer's API identifier). */
  audience?: readonly string[] | undefined;
  authorizationServers?: readonly string[] | undefined;
  requiredScopes: readonly string[];
  scopesSupported?: readonly string[] | undefined;
  clockSkewSec: number;
  jwksCooldownSec: number;
  /** Opaque tokens are introspected (RFC 7662) when this is set; else only JWTs are accepted. */
  introspection?: IntrospectionSettings | undefined;
}

export type OAuthCheck =
  | {
      ok: true;
      principal: string;
      clientId?: string;
      scopes: ReadonlySet<string>;
      /** Every claim of the token, when it is a JWT. */
      claims?: Readonly<Record<string, unknown>>;
      /** When the token expires, ms since the epoch, when known. */
      expiresAt?: number;
    }
  | { ok: false; status: 401 | 403; challenge: Challenge; reason: string }
  | { ok: false; status: 503; reason: string };

export class OAuthResourceServer {
  private fixed:
    | {
        resource: string;
        metadataUrl: string;
        paths: Set<string>;
        verifier: JwtVerifier;
      }
    | undefined;
  private readonly introspector: Introspector | undefined;

  constructor(
    private readonly settings: OAuthSettings,
    private readonly options: {
      /** The resource when none is configured: `<listening origin>/mcp`. */
      defaultResource: () => string;
      now?: () => number;
    },
  ) {
    this.introspector =
      settings.introspection &&
      new Introspector(settings.introspection, { ...(options.now && { now: options.now }) });
  }

  /** Requests sent to the introspection endpoint (none without `introspection`). */
  get introspections(): number {
    return this.introspector?.requests ?? 0;
  }

  private get state() {
    if (this.fixed) return this.fixed;
    const resource = canonicalResource(this.settings.resource ?? this.options.defaultResource());
    this.fixed = {
      resource,
      metadataUrl: metadataUrlOf(resource),
      paths: metadataPaths(resource),
      verifier: new JwtVerifier({
        issuer: this.settings.issuer,
        ...(this.settings.jwksUri !== undefined && { jwksUri: this.settings.jwksUri }),
        audiences: [resource, ...(this.settings.audience ?? [])],
        clockSkewSec: this.settings.clockSkewSec,
        jwksCooldownSec: this.settings.jwksCooldownSec,
        ...(this.options.now && { now: this.options.now }),
      }),
    };
    return this.fixed;
  }

  get resource(): string {
    return this.state.resource;
  }

  /** Where the PRM is: the URL `resource_metadata` names. */
  get metadataUrl(): string {
    return this.state.metadataUrl;
  }

  isMetadataPath(pathname: string): boolean {
    return this.state.paths.has(pathname);
  }

  /** The PRM document (RFC 9728 §3.2). */
  metadata(): ReturnType<typeof protectedResourceMetadata> {
    return protectedResourceMetadata({
      resource: this.resource,
      authorizationServers: this.settings.authorizationServers ?? [this.settings.issuer],
      scopesSupported: this.settings.scopesSupported ?? this.settings.requiredScopes,
    });
  }

  /** The `WWW-Authenticate` value for a refusal. */
  challenge(challenge: Challenge): string {
    return bearerChallenge(challenge, {
      metadataUrl: this.metadataUrl,
      requiredScopes: this.settings.requiredScopes,
    });
  }

  /** A bearer token (not one of the static ones): valid, for this resource, with the scopes needed. */
  async check(token: string): Promise<OAuthCheck> {
    if (this.introspector && !JwtVerifier.isJwt(token)) return this.checkOpaque(this.introspector, token);
    const verified = await this.state.verifier.verify(token);
    if (!verified.ok) {
      if (verified.error === 'unavailable') return { ok: false, status: 503, reason: verified.reason };
      return {
        ok: false,
        status: 401,
        reason: verified.reason,
        challenge: { error: 'invalid_token', reason: verified.reason },
      };
    }
    return this.withScopes(verified);
  }

  /** The scopes every request needs: 403 `insufficient_scope` without them. */
  private withScopes(verified: VerifiedToken): OAuthCheck {
    const missing = this.settings.requiredScopes.filter((s) => !verified.scopes.has(s));
    if (missing.length > 0) {
      const reason = `the token lacks the scope ${missing.join(' ')}`;
      return {
        ok: false,
        status: 403,
        reason,
        // The whole set needed, not only what is missing: a client asking again for just the
        // missing ones would lose those it has (the spec's "recommended approach").
        challenge: { error: 'insufficient_scope', reason, scopes: this.settings.requiredScopes },
      };
    }
    return {
      ok: true,
      principal: verified.subject,
      ...(verified.clientId !== undefined && { clientId: verified.clientId }),
      scopes: verified.scopes,
      ...(verified.claims !== undefined && { claims: verified.claims }),
      ...(verified.expiresAt !== undefined && { expiresAt: verified.expiresAt }),
    };
  }

  /**
   * An opaque token, by introspection: active, of the issuer (when the answer names one), within
   * exp / nbf, for this resource, then the scopes. The principal is `sub`, else the `client_id`
   * (a client credentials token stands for the client itself).
   */
  private async checkOpaque(introspector: Introspector, token: string): Promise<OAuthCheck> {
    let answer: Introspected;
    try {
      answer = await introspector.introspect(token);
    } catch (error) {
      if (error instanceof IntrospectionUnavailableError)
        return { ok: false, status: 503, reason: error.message };
      throw error;
    }
    const invalid = (reason: string): OAuthCheck => ({
      ok: false,
      status: 401,
      reason,
      challenge: { error: 'invalid_token', reason },
    });
    if (!answer.active) return invalid('the token is not active');
    if (answer.issuer !== undefined && answer.issuer !== this.settings.issuer)
      return invalid(`the token was not issued by ${this.settings.issuer}`);
    const now = (this.options.now ?? Date.now)();
    const skew = this.settings.clockSkewSec * 1_000;
    if (answer.expiresAt !== undefined && answer.expiresAt + skew <= now)
      return invalid('the token has expired');
    if (answer.notBefore !== undefined && answer.notBefore - skew > now)
      return invalid('the token is not valid yet (nbf)');
    const notForUs = this.state.verifier.audienceRefusal(answer.audiences);
    if (notForUs !== undefined) return invalid(notForUs);
    const principal = answer.subject ?? answer.clientId;
    if (principal === undefined) return invalid('the token has neither sub nor client_id');
    return this.withScopes({
      subject: principal,
      scopes: answer.scopes,
      claims: answer.claims,
      ...(answer.clientId !== undefined && { clientId: answer.clientId }),
      ...(answer.expiresAt !== undefined && { expiresAt: answer.expiresAt }),
    });
  }
}
