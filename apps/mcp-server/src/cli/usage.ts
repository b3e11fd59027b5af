import { type Command, usageLine } from './help.ts';
import { type CliIo, EXIT } from './io.ts';

/**
 * A usage mistake: on stderr, what was wrong, the usage line (of `command`, or of the CLI) and
 * where the full help is; exit 2.
 */
export function usageError(io: CliIo, message: string, command?: Command): number {
  const help = command === undefined ? 'switchyard --help' : `switchyard ${command} --help`;
  io.err(`switchyard: ${message}\n${usageLine(command)}\nRun "${help}" for more.`);
  return EXIT.usage;
}

/** A parseArgs error (an unknown option, a missing value) in a person's words. */
export function argumentError(io: CliIo, error: unknown, command?: Command): number {
  const code = (error as { code?: string }).code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) throw error;
  const where = command === undefined ? '' : `${command}: `;
  return usageError(io, `${where}${(error as Error).message.split('. ')[0]}`, command);
}
