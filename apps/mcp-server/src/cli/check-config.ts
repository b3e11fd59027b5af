/** `switchyard check-config <file>`: validate, then list the backends or every problem. */
import { parseArgs } from 'node:util';
import { isConfigError } from '../config/errors.ts';
import { loadConfigFile } from '../config/load.ts';
import type { BackendConfig } from '../config/resolve.ts';
import { COMMAND_HELP } from './help.ts';
import { type CliIo, EXIT } from './io.ts';
import { usageError } from './usage.ts';

function describe(backend: BackendConfig): string {
  return `${backend.name}: ${backend.kind}, ${backend.tier}`;
}

export async function checkConfig(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    io.out(COMMAND_HELP['check-config']);
    return EXIT.ok;
  }
  const [file, ...extra] = positionals;
  if (file === undefined)
    return usageError(io, 'check-config needs a file: switchyard check-config <file>', 'check-config');
  if (extra.length > 0)
    return usageError(io, `check-config takes one file; found also ${extra.join(' ')}`, 'check-config');
  try {
    const config = await loadConfigFile(file, { env: io.env, cwd: io.cwd });
    const n = config.backends.length;
    io.out(`ok: ${n} backend${n === 1 ? '' : 's'} (${config.backends.map(describe).join('; ')})`);
    if (config.skipped.length > 0) io.out(`skipped (disabled): ${config.skipped.join(', ')}`);
    return EXIT.ok;
  } catch (error) {
    if (!isConfigError(error)) throw error;
    io.err(error.message);
    return EXIT.invalid;
  }
}
