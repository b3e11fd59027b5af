/**
 * Hot reload for `serve` and `stdio`: when the configuration file changes (or on SIGHUP) the file
 * is loaded and validated again; a valid one is applied to the running gateway (backends added,
 * removed or replaced; sessions on the others untouched), an invalid one is logged and the running
 * configuration stays. Changes are debounced (editors write a file in several steps). In a cluster
 * a reload here is announced to the other nodes, and one announced by another node makes this one
 * re-read its own file (`cluster/reloads.ts`); a reload made for that is not announced again.
 */
import { watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { clusterReloads } from '../cluster/reloads.ts';
import { isConfigError } from '../config/errors.ts';
import { loadConfigFile } from '../config/load.ts';
import type { Gateway } from '../gateway/gateway.ts';
import { ensurePrefetched } from '../prefetch/ensure.ts';
import type { CliIo } from './io.ts';
import type { Logger } from './logger.ts';

const DEBOUNCE_MS = 200;

export function startReloader(file: string, gateway: Gateway, io: CliIo, log: Logger): () => void {
  const path = resolve(io.cwd, file);
  const reloads = clusterReloads(gateway);
  const reload = async (why: string) => {
    try {
      const next = await loadConfigFile(path, { env: io.env, cwd: io.cwd });
      await ensurePrefetched(next.backends, io.env, log);
      const report = await gateway.reload(next);
      log.info({ why, ...report }, 'configuration reloaded');
      reloads.reloaded(why.startsWith('cluster') ? 'cluster' : 'local');
      if (report.restartNeeded.length > 0) {
        log.warn({ keys: report.restartNeeded }, 'these settings take effect at the next start');
      }
    } catch (error) {
      const reason = isConfigError(error)
        ? error.message
        : error instanceof Error
          ? error.message
          : String(error);
      log.error({ why, reason }, 'configuration not reloaded; the running one stays');
    }
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending: string | undefined;
  const soon = (why: string) => {
    clearTimeout(timer);
    // A change of this node's own among the ones debounced together: the reload is announced.
    if (pending === undefined || pending.startsWith('cluster')) pending = why;
    timer = setTimeout(() => {
      const cause = pending ?? why;
      pending = undefined;
      void reload(cause);
    }, DEBOUNCE_MS);
  };
  // The folder is watched, not the file: editors often replace a file rather than write it.
  const watcher = watch(dirname(path), (_event, name) => {
    if (name === basename(path)) soon('file changed');
  });
  const onHup = () => soon('SIGHUP');
  process.on('SIGHUP', onHup);
  const offAsked = reloads.onAsked((from) => soon(`cluster: node ${from} reloaded`));
  return () => {
    offAsked();
    clearTimeout(timer);
    watcher.close();
    process.off('SIGHUP', onHup);
  };
}
