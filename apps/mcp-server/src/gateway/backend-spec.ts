/**
 * A configured backend in the tier manager's terms: a stdio backend is a process speaking MCP on
 * stdin/stdout; a module backend is worker threads running `module-host/thread.ts` over the tool
 * module; a remote backend is connections to the remote server (`remote/remote-connection.ts`,
 * one MCP session per worker): one shared by every session, or one per principal — its worker bound
 * to the principal in the pool (at most `replicas.max` at once, the least recently served idle one
 * ended for a newcomer, each ended when its principal's last session ends), its connection carrying
 * that principal's exchanged token with `tokenExchange` (`remote/upstream-credentials.ts`; the
 * exchange is tried before the principal's connection starts, so a principal whose exchange fails
 * is refused alone, the backend's health untouched; so is one whose exchanged token the remote
 * rejects in the handshake, HTTP 401/403 — `remote/principal-connections.ts`). A per-principal
 * connection is made for its principal, so none is kept spare.
 */
import { DEFAULT_INHERITED_ENV_VARS } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { BackendSpec, ReadyHook } from '@switchyard/multi-tier';
import { mcpCancelMessage } from '@switchyard/worker-pool';
import type { BackendConfig } from '../config/resolve.ts';
import { TOOL_MODULE_ENV } from '../module-host/tool-server.ts';
import { prefetchedCommand } from '../prefetch/cache.ts';
import { PrincipalConnections } from '../remote/principal-connections.ts';
import { remoteConnector } from '../remote/remote-connection.ts';
import { exchangedCredentials, type UpstreamIdentity } from '../remote/upstream-credentials.ts';
import { runtimeFile } from '../runtime-files.ts';

const THREAD_ENTRY = runtimeFile('module-host/thread');

type StdioBackend = Extract<BackendConfig, { kind: 'stdio' }>;

/**
 * A stdio backend's environment: the minimal set the official SDK's stdio client passes (on Unix
 * HOME, LOGNAME, PATH, SHELL, TERM, USER; values starting with `()` — shell functions — skipped, as
 * the SDK does), the variables `inheritEnv` names (or, with `inheritEnv: true`, all of
 * `parentEnv`), and the entry's `env` on top. `parentEnv` is the gateway's environment already
 * cleared of the values of its bearer tokens.
 */
export function stdioEnv(
  backend: Pick<StdioBackend, 'env' | 'inheritEnv'>,
  parentEnv: Record<string, string | undefined>,
): Record<string, string> {
  const env: Record<string, string> = {};
  if (backend.inheritEnv === true) {
    for (const [k, v] of Object.entries(parentEnv)) if (v !== undefined) env[k] = v;
  } else {
    for (const k of DEFAULT_INHERITED_ENV_VARS) {
      const v = parentEnv[k];
      if (v !== undefined && !v.startsWith('()')) env[k] = v;
    }
    for (const k of backend.inheritEnv || []) {
      const v = parentEnv[k];
      if (v !== undefined) env[k] = v;
    }
  }
  return { ...env, ...backend.env };
}

export function backendSpec(
  backend: BackendConfig,
  ready: ReadyHook,
  /** The gateway's environment less the values of its bearer tokens (see `stdioEnv`). */
  parentEnv: Record<string, string | undefined>,
  /** Per-principal remotes with `tokenExchange`: the principals' tokens and the exchanger. */
  identity: UpstreamIdentity = {},
): BackendSpec {
  const common = {
    tier: backend.tier,
    isolation: backend.isolation,
    replicas: backend.replicas,
    ready,
    readyTimeoutMs: backend.timeouts.startMs,
    idleTtlMs: backend.timeouts.idleMs,
    concurrency: backend.limits.concurrency,
    queue: backend.limits.queue,
    outlier: backend.resilience.outlier,
    breaker: backend.resilience.breaker,
  };
  switch (backend.kind) {
    case 'stdio': {
      // An npx/bunx entry that `switchyard prefetch` installed runs its bin directly.
      const direct = prefetchedCommand(backend.command, backend.args, parentEnv, backend.install);
      return {
        ...common,
        kind: 'stdio',
        command: direct?.command ?? backend.command,
        args: direct?.args ?? backend.args,
        // A minimal environment, as MCP clients give: never the gateway's secrets unless asked.
        env: stdioEnv(backend, parentEnv),
        ...(backend.cwd !== undefined && { cwd: backend.cwd }),
        cancelMessage: mcpCancelMessage,
      };
    }
    case 'module':
      // Tool modules run on threads of the gateway's own process: they are trusted code and
      // share its environment (worker-pool adds `env` to it).
      return { ...common, kind: 'module', module: THREAD_ENTRY, env: { [TOOL_MODULE_ENV]: backend.module } };
    case 'remote': {
      if (backend.isolation === 'per-principal') {
        const credentials = exchangedCredentials(backend, identity);
        const connections = credentials && new PrincipalConnections(backend, credentials);
        return {
          ...common,
          // No spare is kept (a connection is made for its principal, on first use), and bound
          // workers go with their principal in any tier: `hot` would keep nothing, and would hold
          // /readyz back for want of a ready spare.
          tier: backend.tier === 'hot' ? 'warm' : backend.tier,
          isolation: 'per-principal',
          spares: 0,
          kind: 'remote',
          url: backend.url,
          connect: connections?.connect ?? remoteConnector(backend),
          cancelMessage: mcpCancelMessage,
          ...(connections && {
            // A principal whose credentials the remote refuses in the handshake is refused alone.
            ready: connections.ready(ready, identity.warn),
            authorize: connections.authorize,
          }),
        };
      }
      // The remote keeps its own sessions: one connection serves every front session.
      return {
        ...common,
        isolation: 'shared',
        kind: 'remote',
        url: backend.url,
        connect: remoteConnector(backend),
        cancelMessage: mcpCancelMessage,
      };
    }
  }
}
