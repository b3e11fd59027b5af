/**
 * `switchyard prefetch [--config <file>]`: installs, once, the package of every stdio entry that
 * starts through a launcher (`npx -y pkg`, `bunx pkg`) into the prefetch cache, so `serve` and
 * `stdio` run its bin directly: no launcher resolving the package on each start, no chain of
 * launcher processes. Run it again to update (a spec without a version takes the newest).
 * Prints one line per entry; exit 0 when every one was installed, 1 when one failed.
 */
import { parseArgs } from 'node:util';
import { isConfigError } from '../config/errors.ts';
import { prefetchDir } from '../prefetch/cache.ts';
import { prefetchCall } from '../prefetch/install.ts';
import { launcherCall } from '../prefetch/launcher.ts';
import { COMMAND_HELP } from './help.ts';
import { type CliIo, EXIT } from './io.ts';
import { loadConfigOrDefault } from './launch.ts';
import { usageError } from './usage.ts';

export async function prefetch(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { help: { type: 'boolean', short: 'h' }, config: { type: 'string', short: 'c' } },
    allowPositionals: true,
  });
  if (values.help) {
    io.out(COMMAND_HELP.prefetch);
    return EXIT.ok;
  }
  if (positionals.length > 0)
    return usageError(io, `prefetch takes no arguments; found ${positionals.join(' ')}`, 'prefetch');
  let config: Awaited<ReturnType<typeof loadConfigOrDefault>>;
  try {
    config = await loadConfigOrDefault(values.config, io);
  } catch (error) {
    if (!isConfigError(error)) throw error;
    io.err(error.message);
    return EXIT.invalid;
  }
  const dir = prefetchDir(io.env);
  let failed = 0;
  let found = 0;
  for (const backend of config.backends) {
    if (backend.kind !== 'stdio') continue;
    const call = launcherCall(backend.command, backend.args);
    if (!call) continue;
    found++;
    try {
      // The entry's env too: a registry or token it names is the one its launcher would use.
      const done = await prefetchCall(call, dir, { ...io.env, ...backend.env });
      io.out(`${backend.name}: ${call.launcher} ${call.spec} → ${done.command} (${done.installed})`);
    } catch (error) {
      failed++;
      io.err(`${backend.name}: ${call.launcher} ${call.spec}: ${(error as Error).message}`);
    }
  }
  if (found === 0) io.out('nothing to prefetch: no stdio entry starts through npx or bunx');
  return failed > 0 ? EXIT.invalid : EXIT.ok;
}
