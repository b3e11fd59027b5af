/**
 * The gateway as an OAuth 2.1 resource server (`switchyard.auth.oauth`): it serves its Protected
 * Resource Metadata, checks JWT access tokens from the configured issuer (`jwt-verifier.ts`) and
 * the scopes every request needs, and words the challenge of a refusal (`challenge.ts`).
 *
 * The resource identifier is fixed at the first request (`resource.ts`): the configured one, else
 * `<origin the gateway listens on>/mcp` — known only once the server listens, hence the function.
 */
import { bearerChallenge, type Challenge } from './challenge.ts';
import { JwtVerifier } from './jwt-verifier.ts';
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
}

export type OAuthCheck =
  | { ok: true; principal: string; clientId?: string; scopes: ReadonlySet<string> }
  | { ok: false; status: 401 | 403; challenge: Challenge; reason: string }
  | { ok: false; status: 503; reason: string };

export class OAuthResourceServer {
  private fixed:
    | { resource: string; metadataUrl: string; paths: Set<string>; verifier: JwtVerifier }
    | undefined;

  constructor(
    private readonly settings: OAuthSettings,
    private readonly options: {
      /** The resource when none is configured: `<listening origin>/mcp`. */
      defaultResource: () => string;
      now?: () => number;
    },
  ) {}

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
    };
  }
}
