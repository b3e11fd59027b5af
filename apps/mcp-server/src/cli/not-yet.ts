/** `journal export|tail`: present in help, honest that it is not wired yet. */
import { parseArgs } from 'node:util';
import { COMMAND_HELP, type Command } from './help.ts';
import { type CliIo, EXIT } from './io.ts';
import { usageError } from './usage.ts';

const SUBCOMMANDS: Partial<Record<Command, readonly string[]>> = { journal: ['export', 'tail'] };

export function notYetAvailable(
  command: Exclude<Command, 'check-config' | 'serve' | 'stdio'>,
  args: string[],
  io: CliIo,
): number {
  const { values, positionals } = parseArgs({
    args,
    options: { help: { type: 'boolean', short: 'h' }, config: { type: 'string', short: 'c' } },
    allowPositionals: true,
  });
  if (values.help) {
    io.out(COMMAND_HELP[command]);
    return EXIT.ok;
  }
  const subs = SUBCOMMANDS[command];
  const [sub, ...extra] = positionals;
  const name = subs ? `${command} ${sub ?? ''}`.trim() : command;
  if (subs && (sub === undefined || !subs.includes(sub))) {
    return usageError(
      io,
      `${command} needs one of ${subs.join(', ')}${sub === undefined ? '' : `; found "${sub}"`}`,
    );
  }
  if (extra.length > 0 || (!subs && sub !== undefined)) {
    return usageError(io, `${name} takes no arguments; found ${positionals.slice(subs ? 1 : 0).join(' ')}`);
  }
  io.err(
    `switchyard ${name}: not yet available in this version — the server wiring comes when the coordinator lands. ` +
      'For now, "switchyard check-config <file>" validates a configuration.',
  );
  return EXIT.usage;
}
