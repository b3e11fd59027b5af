/**
 * A configured backend in the tier manager's terms: a stdio backend is a process speaking MCP on
 * stdin/stdout; a module backend is worker threads running `module-host/thread.ts` over the tool
 * module; a shared remote backend is connections to the remote server (`remote/remote-connection.ts`,
 * one MCP session per worker). A per-principal remote (a connection per principal, with its own
 * credentials) is not one yet: `backendSpec` returns `undefined` for it and the gateway serves it
 * through `remote/remote-port.ts`.
 */
import { DEFAULT_INHERITED_ENV_VARS } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { BackendSpec, ReadyHook } from '@switchyard/multi-tier';
import { mcpCancelMessage } from '@switchyard/worker-pool';
import type { BackendConfig } from '../config/resolve.ts';
import { TOOL_MODULE_ENV } from '../module-host/tool-server.ts';
import { prefetchedCommand } from '../prefetch/cache.ts';
import { remoteConnector } from '../remote/remote-connection.ts';
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
): BackendSpec | undefined {
  const common = {
    tier: backend.tier,
    isolation: backend.isolation,
    replicas: backend.replicas,
    ready,
    readyTimeoutMs: backend.timeouts.startMs,
    idleTtlMs: backend.timeouts.idleMs,
    concurrency: backend.limits.concurrency,
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
    case 'remote':
      if (backend.isolation === 'per-principal') return undefined;
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
