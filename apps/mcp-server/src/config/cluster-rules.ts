/**
 * The rules of `switchyard.cluster` that span keys: session ownership lives in the shared Redis, so
 * it needs `journal.redis`; a node listening on all interfaces cannot tell the others its address,
 * so it needs `advertiseUrl`.
 */
import type { ConfigIssue } from './errors.ts';
import type { ConfigFile } from './schema.ts';

const ALL_INTERFACES = new Set(['0.0.0.0', '::', '[::]']);

export function clusterIssues(file: ConfigFile): ConfigIssue[] {
  const { cluster, journal, listen, admission } = file.switchyard;
  const issues: ConfigIssue[] = [];
  if (
    admission.rateLimit !== false &&
    admission.rateLimit.scope === 'cluster' &&
    journal.redis === undefined
  ) {
    issues.push({
      path: 'switchyard.admission.rateLimit.scope',
      expected:
        '"node", or switchyard.journal.redis as well (a cluster-wide limit is kept in the Redis the nodes share)',
      found: '"cluster" without switchyard.journal.redis',
    });
  }
  if (cluster === undefined) return issues;
  if (journal.redis === undefined) {
    issues.push({
      path: 'switchyard.cluster',
      expected: 'switchyard.journal.redis as well (the nodes keep session ownership in the Redis they share)',
      found: 'no switchyard.journal.redis',
    });
  }
  if (cluster.advertiseUrl === undefined && ALL_INTERFACES.has(listen.host)) {
    issues.push({
      path: 'switchyard.cluster.advertiseUrl',
      expected: `this node's /mcp URL as the other nodes reach it, since it listens on all interfaces (${listen.host})`,
      found: 'none',
    });
  }
  return issues;
}
