/**
 * `WWW-Authenticate` challenges of the Bearer scheme (RFC 6750 §3) as the MCP authorization spec
 * asks of a server: every 401 and 403 names the Protected Resource Metadata (`resource_metadata`,
 * RFC 9728 §5.1) so that a client can discover the authorization server, and the scopes to ask for.
 */

export type Challenge =
  /** No credentials: where to get some. */
  | { error: 'missing' }
  /** A token that is no good (expired, another issuer or audience, bad signature…). */
  | { error: 'invalid_token'; reason: string }
  /** A good token without the scopes needed. */
  | { error: 'insufficient_scope'; reason: string; scopes: readonly string[] };

/**
 * RFC 6750 allows only printable ASCII less `"` and `\` in `error_description` (and `scope`):
 * anything else becomes `'` or `?`, so a reason can never break the header apart.
 */
export function quotable(text: string): string {
  return text.replace(/"/g, "'").replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, '?');
}

export function bearerChallenge(
  challenge: Challenge,
  options: { metadataUrl: string; requiredScopes: readonly string[] },
): string {
  const params: string[] = [];
  if (challenge.error !== 'missing') {
    params.push(`error="${challenge.error}"`, `error_description="${quotable(challenge.reason)}"`);
  }
  const scopes = challenge.error === 'insufficient_scope' ? challenge.scopes : options.requiredScopes;
  if (scopes.length > 0) params.push(`scope="${quotable(scopes.join(' '))}"`);
  params.push(`resource_metadata="${quotable(options.metadataUrl)}"`);
  return `Bearer ${params.join(', ')}`;
}
