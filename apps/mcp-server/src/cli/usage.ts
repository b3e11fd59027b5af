import { type CliIo, EXIT } from './io.ts';

/** A usage mistake: say what was wrong and where help is, exit 2. */
export function usageError(io: CliIo, message: string): number {
  io.err(`switchyard: ${message}\nRun "switchyard --help" for usage.`);
  return EXIT.usage;
}

/** A parseArgs error (an unknown option, a missing value) in a person's words. */
export function argumentError(io: CliIo, error: unknown, command?: string): number {
  const code = (error as { code?: string }).code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) throw error;
  const where = command === undefined ? '' : `${command}: `;
  return usageError(io, `${where}${(error as Error).message.split('. ')[0]}`);
}
