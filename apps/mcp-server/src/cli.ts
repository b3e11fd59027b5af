#!/usr/bin/env bun
/** The `switchyard` command. Everything it does is in `cli/main.ts`; this file only binds it to the process. */
import { main } from './cli/main.ts';

process.exitCode = await main(
  process.argv.slice(2),
  {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    cwd: process.cwd(),
  },
  {
    // Opened only when the stdio command reads it.
    input: { [Symbol.asyncIterator]: () => Bun.stdin.stream()[Symbol.asyncIterator]() },
    write: (text) => void process.stdout.write(text),
  },
);
