/**
 * A configured backend in the tier manager's terms: a stdio backend is a process speaking MCP on
 * stdin/stdout; a module backend is worker threads running `module-host/thread.ts` over the tool
 * module. Remote backends have no tier-manager form yet (`@switchyard/multi-tier` refuses them),
 * so `backendSpec` returns `undefined` for them and the gateway reports them as not served.
 */
import { fileURLToPath } from 'node:url';
import type { BackendSpec, ReadyHook } from '@switchyard/multi-tier';
import { mcpCancelMessage } from '@switchyard/worker-pool';
import type { BackendConfig } from '../config/resolve.ts';
import { TOOL_MODULE_ENV } from '../module-host/tool-server.ts';

const THREAD_ENTRY = fileURLToPath(new URL('../module-host/thread.ts', import.meta.url));

export function backendSpec(
  backend: BackendConfig,
  ready: ReadyHook,
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
  };
  switch (backend.kind) {
    case 'stdio':
      return {
        ...common,
        kind: 'stdio',
        command: backend.command,
        args: backend.args,
        // The child gets the gateway's environment with the entry's `env` on top, as MCP clients do.
        env: { ...parentEnv, ...backend.env },
        ...(backend.cwd !== undefined && { cwd: backend.cwd }),
        cancelMessage: mcpCancelMessage,
      };
    case 'module':
      return { ...common, kind: 'module', module: THREAD_ENTRY, env: { [TOOL_MODULE_ENV]: backend.module } };
    case 'remote':
      return undefined;
  }
}
