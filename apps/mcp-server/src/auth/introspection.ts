/**
 * Opaque access tokens checked by OAuth 2.0 Token Introspection (RFC 7662): the gateway asks the
 * authorization server's introspection endpoint, as its own client (`client_secret_basic`), whether
 * a token is active and what it carries. An active answer is then judged as a JWT would be (by
 * `oauth.ts`): the issuer, `exp` / `nbf` with the skew, `aud` naming this resource, the scopes.
 *
 * Answers are cached by a hash of the token (never the token itself) until the token's `exp`, but
 * no longer than `cacheMaxSec` — a revoked token is refused at the latest that long after — in a
 * bounded cache. Concurrent checks of one token share one request. An endpoint that cannot be
 * reached or answers nonsense is `IntrospectionUnavailableError`: the issuer's side (503), not the
 * caller's.
 */
import { createHash } from 'node:crypto';
import type { Secret } from '../config/secret.ts';
import { BoundedCache } from './bounded-cache.ts';
import { basicAuth } from './client-auth.ts';
import { scopesOf } from './jwt-verifier.ts';

export interface IntrospectionSettings {
  endpoint: string;
  clientId: string;
  clientSecret: Secret;
  cacheMaxSec: number;
  cacheSize: number;
  timeoutMs: number;
}

/** What the server said of a token (RFC 7662 §2.2). */
export type Introspected =
  | {
      active: true;
      subject?: string;
      clientId?: string;
      issuer?: string;
      audiences: string[];
      scopes: ReadonlySet<string>;
      /** ms since the epoch */
      expiresAt?: number;
      notBefore?: number;
      /** The whole answer (`switchyard.policy` reads its groups claim). */
      claims: Readonly<Record<string, unknown>>;
    }
  | { active: false };

export class IntrospectionUnavailableError extends Error {
  override readonly name = 'IntrospectionUnavailableError';
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const seconds = (v: unknown): number | undefined => (typeof v === 'number' ? v * 1_000 : undefined);

function parse(body: Record<string, unknown>): Introspected {
  if (body.active !== true) return { active: false };
  const aud = body.aud;
  const audiences =
    typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a) => typeof a === 'string') : [];
  const subject = text(body.sub);
  const clientId = text(body.client_id);
  const issuer = text(body.iss);
  const expiresAt = seconds(body.exp);
  const notBefore = seconds(body.nbf);
  return {
    active: true,
    audiences,
    scopes: scopesOf(body),
    claims: body,
    ...(subject !== undefined && { subject }),
    ...(clientId !== undefined && { clientId }),
    ...(issuer !== undefined && { issuer }),
    ...(expiresAt !== undefined && { expiresAt }),
    ...(notBefore !== undefined && { notBefore }),
  };
}

export class Introspector {
  private readonly cache: BoundedCache<Introspected>;
  private readonly now: () => number;
  private count = 0;

  constructor(
    private readonly settings: IntrospectionSettings,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
    this.cache = new BoundedCache(settings.cacheSize, this.now);
  }

  /** Requests sent to the endpoint since start. */
  get requests(): number {
    return this.count;
  }

  introspect(token: string): Promise<Introspected> {
    const key = createHash('sha256').update(token).digest('base64url');
    return this.cache.load(key, async () => {
      const answer = await this.ask(token);
      const cap = this.now() + this.settings.cacheMaxSec * 1_000;
      const until = answer.active && answer.expiresAt !== undefined ? Math.min(answer.expiresAt, cap) : cap;
      return { value: answer, until };
    });
  }

  private async ask(token: string): Promise<Introspected> {
    const { settings } = this;
    this.count += 1;
    let response: Response;
    try {
      response = await fetch(settings.endpoint, {
        method: 'POST',
        headers: {
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basicAuth(settings.clientId, settings.clientSecret.reveal()),
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
    } catch (error) {
      throw new IntrospectionUnavailableError(
        `the introspection endpoint ${settings.endpoint} did not answer: ${(error as Error).message}`,
      );
    }
    const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    if (!response.ok || body === null || typeof body !== 'object') {
      throw new IntrospectionUnavailableError(
        `the introspection endpoint ${settings.endpoint} answered HTTP ${response.status}${
          typeof body?.error === 'string' ? ` (${body.error})` : ''
        }`,
      );
    }
    return parse(body);
  }
}
