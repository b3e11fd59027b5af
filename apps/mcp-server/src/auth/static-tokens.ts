/**
 * Bearer-token authentication. Each configured token stands for a principal; tokens are compared
 * in constant time (over their SHA-256 digests, so length differences leak nothing). A request
 * with no credentials is let in as principal `local` only from a loopback address and only when
 * the configuration allows it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export const LOCAL_PRINCIPAL = 'local';

export interface AuthSettings {
  tokens: readonly { token: string; principal: string; groups?: readonly string[] | undefined }[];
  allowUnauthenticatedLoopback: boolean;
}

export type AuthResult =
  /** `groups`: the token's configured groups (what `switchyard.policy` rules match). */
  | { ok: true; principal: string; groups?: readonly string[] }
  | { ok: false; error: 'invalid_token' | 'missing'; reason: string };

interface KnownToken {
  digest: Buffer;
  principal: string;
  groups: readonly string[] | undefined;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

export class Authenticator {
  private readonly tokens: KnownToken[];

  constructor(private readonly settings: AuthSettings) {
    this.tokens = settings.tokens.map((t) => ({
      digest: digest(t.token),
      principal: t.principal,
      groups: t.groups,
    }));
  }

  /** `fromLoopback`: whether the caller connects from loopback, or how to find out (asked only when it matters). */
  authenticate(authorization: string | null, fromLoopback: boolean | (() => boolean)): AuthResult {
    if (authorization === null) {
      if (
        this.settings.allowUnauthenticatedLoopback &&
        (typeof fromLoopback === 'function' ? fromLoopback() : fromLoopback)
      )
        return { ok: true, principal: LOCAL_PRINCIPAL };
      return { ok: false, error: 'missing', reason: 'a bearer token is required' };
    }
    const token = bearerToken(authorization);
    if (token === undefined)
      return {
        ok: false,
        error: 'invalid_token',
        reason: 'the Authorization header is not "Bearer <token>"',
      };
    const presented = digest(token);
    let matched: KnownToken | undefined;
    // Every token is compared, so the time taken does not say which one matched.
    for (const t of this.tokens) {
      if (timingSafeEqual(presented, t.digest)) matched ??= t;
    }
    if (matched === undefined)
      return { ok: false, error: 'invalid_token', reason: 'the bearer token is not valid' };
    return matched.groups === undefined
      ? { ok: true, principal: matched.principal }
      : { ok: true, principal: matched.principal, groups: matched.groups };
  }
}

/** The token of an `Authorization: Bearer <token>` header; undefined for any other form. */
export function bearerToken(authorization: string): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
}

/** The `WWW-Authenticate` value for a 401 (RFC 6750). */
export function wwwAuthenticate(result: Extract<AuthResult, { ok: false }>): string {
  const base = 'Bearer realm="switchyard"';
  return result.error === 'missing'
    ? base
    : `${base}, error="invalid_token", error_description="${result.reason}"`;
}

export function isLoopbackAddress(address: string | null): boolean {
  if (address === null) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
