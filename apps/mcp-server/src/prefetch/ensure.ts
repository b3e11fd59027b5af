/**
 * Before a start or a reload: installs the package of each `install: "prefetch"` entry that the
 * prefetch cache does not hold yet, so the gateway runs its bin directly from the first start. An
 * install that fails is logged and the entry runs through its launcher, as written.
 */
import type { BackendConfig } from '../config/resolve.ts';
import { manifestKey, prefetchDir, readManifest } from './cache.ts';
import { prefetchCall } from './install.ts';
import { launcherCall } from './launcher.ts';

export interface EnsureLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export async function ensurePrefetched(
  backends: readonly BackendConfig[],
  env: Record<string, string | undefined>,
  log: EnsureLog,
): Promise<void> {
  const dir = prefetchDir(env);
  for (const backend of backends) {
    if (backend.kind !== 'stdio' || backend.install !== 'prefetch') continue;
    const call = launcherCall(backend.command, backend.args);
    if (!call || readManifest(dir)[manifestKey(call)] !== undefined) continue;
    try {
      const done = await prefetchCall(call, dir, { ...env, ...backend.env });
      log.info(
        { backend: backend.name, installed: done.installed, command: done.command },
        'backend prefetched',
      );
    } catch (error) {
      log.warn(
        { backend: backend.name, reason: (error as Error).message },
        'prefetch failed; running the launcher',
      );
    }
  }
}
