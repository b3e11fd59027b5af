/**
 * The CLI: `switchyard [--help | --version] <command> [options]`. Global options come before the
 * command; each command parses its own (`node:util` `parseArgs`, strict: an unknown option is a
 * usage error, exit 2).
 */
import { parseArgs } from 'node:util';
import pkg from '../../package.json' with { type: 'json' };
import { checkConfig } from './check-config.ts';
import { COMMAND_HELP, COMMANDS, type Command, MAIN_HELP } from './help.ts';
import { type CliIo, EXIT, invocationDir } from './io.ts';
import { journal } from './journal.ts';
import { prefetch } from './prefetch.ts';
import { serve } from './serve.ts';
import { type StdioStreams, stdio } from './stdio.ts';
import { argumentError, usageError } from './usage.ts';

export const VERSION: string = pkg.version;

function isCommand(word: string): word is Command {
  return (COMMANDS as readonly string[]).includes(word);
}

/** `--help` or `-h` among a command's arguments, before any `--`. */
function asksForHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

export async function main(argv: string[], given: CliIo, streams?: StdioStreams): Promise<number> {
  // Relative paths (--config, ./switchyard.json, the default journal) are the caller's, also
  // when a package script (`bun run switchyard …`) started the CLI in the package's folder.
  const io: CliIo = { ...given, cwd: invocationDir(given.cwd, given.env) };
  const at = argv.findIndex((a) => !a.startsWith('-'));
  const globalArgs = at < 0 ? argv : argv.slice(0, at);
  const command = at < 0 ? undefined : argv[at];
  const rest = at < 0 ? [] : argv.slice(at + 1);

  let globals: { help?: boolean; version?: boolean };
  try {
    globals = parseArgs({
      args: globalArgs,
      options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
    }).values;
  } catch (error) {
    return argumentError(io, error);
  }
  if (globals.version) {
    io.out(VERSION);
    return EXIT.ok;
  }
  if (command === undefined) {
    if (globals.help) {
      io.out(MAIN_HELP);
      return EXIT.ok;
    }
    return usageError(io, `a command is needed: one of ${COMMANDS.join(', ')}`);
  }
  if (!isCommand(command)) {
    return usageError(io, `unknown command "${command}"; the commands are ${COMMANDS.join(', ')}`);
  }
  // Help wins over everything else on the line (`serve --port x --help` shows help, does nothing).
  if (globals.help || asksForHelp(rest)) {
    io.out(COMMAND_HELP[command]);
    return EXIT.ok;
  }
  const args = rest;
  try {
    switch (command) {
      case 'check-config':
        return await checkConfig(args, io);
      case 'serve':
        return await serve(args, io, VERSION);
      case 'prefetch':
        return await prefetch(args, io);
      case 'stdio':
        if (!streams) return usageError(io, 'stdio needs the process’s standard input and output', 'stdio');
        return await stdio(args, io, VERSION, streams);
      case 'journal': {
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          return await journal(args, io, stop.signal);
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      }
    }
  } catch (error) {
    return argumentError(io, error, command);
  }
}
