/**
 * What `serve` asks of a configuration before it listens on an interface other than loopback:
 * credentials (bearer tokens or OAuth), and with OAuth the resource URL clients use. A gateway open
 * to the network without them would serve anyone.
 */
import { ConfigError } from '../config/errors.ts';
import type { GatewayConfig } from '../config/resolve.ts';
import { isLoopbackHostname } from '../http/origin.ts';

export function listenProblem(config: GatewayConfig, host: string): ConfigError | undefined {
  const { oauth } = config.settings.auth;
  if (!isLoopbackHostname(host) && oauth !== undefined && oauth.resource === undefined) {
    // The resource is what tokens are minted for: only the operator knows the URL clients use.
    return new ConfigError(config.source, [
      {
        path: 'switchyard.auth.oauth.resource',
        expected: `the URL clients reach /mcp by, since the gateway listens on ${host} (not loopback)`,
        found: 'none',
      },
    ]);
  }
  if (isLoopbackHostname(host) || config.settings.auth.tokens.length > 0 || oauth !== undefined)
    return undefined;
  return new ConfigError(config.source, [
    {
      path: 'switchyard.auth.tokens',
      expected: `at least one bearer token, since the gateway listens on ${host} (not loopback)`,
      found: 'none',
    },
  ]);
}
