/**
 * This gateway as an OAuth protected resource (RFC 9728): its resource identifier (the URI clients
 * name in RFC 8707's `resource` parameter, and the audience its tokens must carry), where its
 * Protected Resource Metadata is served, and that document.
 *
 * The identifier is the configured `auth.oauth.resource`, else `<origin the gateway listens on>/mcp`.
 * It is never taken from a request's `Host`: loopback Hosts are accepted on any port, so a token
 * minted for another local server (`http://localhost:3000/mcp`) would pass as ours if the audience
 * followed the Host a caller chose to send.
 */

export const PRM_PATH = '/.well-known/oauth-protected-resource';

/**
 * A resource URI in the form compared: scheme and host lower case (URL parsing does it), no
 * fragment, no trailing slash on the path (the MCP spec's canonical form). A value that is not a
 * URL (some authorization servers use a bare API identifier as audience) is kept as it is.
 */
export function canonicalResource(value: string): string {
  const url = URL.parse(value);
  if (url === null) return value;
  url.hash = '';
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}${url.search}`;
}

/** The PRM's URL for `resource`: the well-known path inserted before the resource's path (RFC 9728 §3.1). */
export function metadataUrlOf(resource: string): string {
  const url = new URL(canonicalResource(resource));
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}${PRM_PATH}${path}`;
}

/**
 * The paths this gateway serves its PRM on: the root form, the `/mcp`-suffixed one (where clients
 * look for an endpoint at /mcp), and the one the resource's own path gives (a proxy that maps
 * `/public/mcp` here forwards `/.well-known/oauth-protected-resource/public/mcp`).
 */
export function metadataPaths(resource: string): Set<string> {
  const paths = new Set([PRM_PATH, `${PRM_PATH}/mcp`]);
  const path = new URL(canonicalResource(resource)).pathname;
  if (path !== '/' && path !== '') paths.add(`${PRM_PATH}${path}`);
  return paths;
}

export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  bearer_methods_supported: ['header'];
  resource_name: string;
}

export function protectedResourceMetadata(options: {
  resource: string;
  authorizationServers: readonly string[];
  scopesSupported: readonly string[];
}): ProtectedResourceMetadata {
  return {
    resource: options.resource,
    authorization_servers: [...options.authorizationServers],
    ...(options.scopesSupported.length > 0 && { scopes_supported: [...options.scopesSupported] }),
    // Tokens only in the Authorization header: never in a query string or a form body.
    bearer_methods_supported: ['header'],
    resource_name: 'Switchyard MCP gateway',
  };
}
