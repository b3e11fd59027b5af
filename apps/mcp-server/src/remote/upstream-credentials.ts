/**
 * A per-principal remote's upstream identity with `tokenExchange`: each request of a principal's
 * connection carries `Authorization: Bearer <a token for this backend>`, got by exchanging the
 * principal's access token (`auth/token-exchange.ts`, cached per principal and backend, dropped once the remote refuses it). The
 * caller's own token is never sent, only the exchanged one. A failed exchange is a
 * `TokenExchangeError` naming the reason (never a token), logged for the operator; it fails the
 * acquire that would start the principal's connection (`authorize`) or the one request.
 */
import type { SubjectTokens } from '../auth/subject-tokens.ts';
import { isTokenExchangeError, TokenExchangeError, type TokenExchanger } from '../auth/token-exchange.ts';
import type { BackendConfig } from '../config/resolve.ts';

type RemoteBackendConfig = Extract<BackendConfig, { kind: 'remote' }>;

export interface UpstreamIdentity {
  /** Each principal's access token, as last accepted at the front door. */
  subjects?: SubjectTokens | undefined;
  /** Trades them for backend tokens; without it a `tokenExchange` remote cannot connect. */
  exchanger?: TokenExchanger | undefined;
  /** The operator's log: each failed exchange (its reason, never a token). */
  warn?: ((fields: Record<string, unknown>, message: string) => void) | undefined;
}

/**
 * The headers `principal`'s requests to the remote carry, got per request; `forget` drops what is
 * cached for `principal` once the remote refused it, so the next request gets fresh credentials.
 */
export interface PrincipalCredentials {
  (principal: string, signal: AbortSignal | undefined): Promise<Record<string, string>>;
  forget?(principal: string): void;
}

/** The exchanged-token headers of a `tokenExchange` remote (undefined for a remote without it). */
export function exchangedCredentials(
  config: RemoteBackendConfig,
  identity: UpstreamIdentity,
): PrincipalCredentials | undefined {
  const exchange = config.tokenExchange;
  if (exchange === undefined) return undefined;
  const { name } = config;
  const { subjects, exchanger, warn } = identity;
  const credentials = async (principal: string, signal: AbortSignal | undefined) => {
    const failed = (error: TokenExchangeError): never => {
      warn?.({ backend: name, principal, reason: error.message }, 'token exchange failed');
      throw error;
    };
    if (exchanger === undefined || subjects === undefined)
      return failed(
        new TokenExchangeError(
          `backend "${name}" has tokenExchange but the running gateway has no switchyard.auth.oauth.tokenExchange (it takes effect at restart)`,
        ),
      );
    const subject = subjects.current(principal);
    if (subject === undefined)
      return failed(
        new TokenExchangeError(
          `backend "${name}" is called with a token exchanged for the caller's OAuth access token, and principal "${principal}" has none (a static token, or it expired)`,
        ),
      );
    const token = await exchanger
      .tokenFor(principal, name, subject, exchange, signal)
      .catch((error: unknown) => (isTokenExchangeError(error) ? failed(error) : Promise.reject(error)));
    return { authorization: `Bearer ${token}` };
  };
  return Object.assign(credentials, {
    forget: (principal: string) => exchanger?.forget(principal, name),
  });
}
