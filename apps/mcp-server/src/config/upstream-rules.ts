/**
 * The rules of upstream identity that span keys of a validated configuration: a remote entry with
 * `tokenExchange` needs `isolation: "per-principal"` (one connection per principal, so each carries
 * that principal's own exchanged token), the Streamable HTTP transport, no `Authorization` header of
 * its own, and `switchyard.auth.oauth.tokenExchange` (where and as whom the gateway exchanges).
 */
import type { ConfigIssue } from './errors.ts';
import { joinPath } from './path.ts';
import type { ConfigFile } from './schema.ts';

export function upstreamIssues(file: ConfigFile): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const exchanging: string[] = [];
  for (const [name, entry] of Object.entries(file.mcpServers)) {
    if (entry.tokenExchange === undefined || entry.url === undefined) continue;
    const at = joinPath('mcpServers', name);
    exchanging.push(name);
    if (entry.isolation !== 'per-principal') {
      issues.push({
        path: joinPath(at, 'isolation'),
        expected:
          '"per-principal" on a remote entry with tokenExchange (each principal gets its own connection, carrying its own exchanged token)',
        found: JSON.stringify(entry.isolation),
      });
    }
    const sse = entry.type === 'sse' || (entry.type === undefined && entry.transportType === 'sse');
    if (sse) {
      issues.push({
        path: joinPath(at, 'type'),
        expected: 'the Streamable HTTP transport (http / streamable-http) on an entry with tokenExchange',
        found: '"sse"',
      });
    }
    const authorization = Object.keys(entry.headers ?? {}).find((h) => h.toLowerCase() === 'authorization');
    if (authorization !== undefined) {
      issues.push({
        path: joinPath(joinPath(at, 'headers'), authorization),
        expected:
          'no Authorization header on an entry with tokenExchange (the exchanged token is sent in it)',
        found: 'an Authorization header',
      });
    }
  }
  if (exchanging.length > 0 && file.switchyard.auth.oauth?.tokenExchange === undefined) {
    issues.push({
      path: 'switchyard.auth.oauth.tokenExchange',
      expected: `{ tokenEndpoint, clientId, clientSecret } (the entries ${exchanging.join(', ')} have tokenExchange)`,
      found: file.switchyard.auth.oauth === undefined ? 'no switchyard.auth.oauth' : 'nothing',
    });
  }
  return issues;
}
