/**
 * `switchyard stdio`: the gateway as one stdio MCP server. Reads newline-delimited JSON-RPC on
 * stdin, writes answers and server-initiated messages on stdout (nothing else goes there), logs
 * JSON lines on stderr (level `warn` unless told). At end of input, or SIGTERM / SIGINT: the
 * requests in flight finish, the session ends, every backend stops, exit 0.
 */
import { parseArgs } from 'node:util';
import { StdioFront } from '../stdio/stdio-front.ts';
import { COMMAND_HELP } from './help.ts';
import { type CliIo, EXIT } from './io.ts';
import { launch, openLog } from './launch.ts';
import { startReloader } from './reloader.ts';
import { usageError } from './usage.ts';

export interface StdioStreams {
  input: AsyncIterable<Uint8Array>;
  write(text: string): void;
}

async function* lines(input: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of input) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      yield buffered.slice(0, newline).replace(/\r$/, '');
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
    }
  }
  buffered += decoder.decode();
  if (buffered.trim() !== '') yield buffered;
}

export async function stdio(
  args: string[],
  io: CliIo,
  version: string,
  streams: StdioStreams,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      help: { type: 'boolean', short: 'h' },
      config: { type: 'string', short: 'c' },
      'log-level': { type: 'string' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.out(COMMAND_HELP.stdio);
    return EXIT.ok;
  }
  if (positionals.length > 0)
    return usageError(io, `stdio takes no arguments; found ${positionals.join(' ')}`);
  const log = openLog(values['log-level'], io, 'warn');
  if (typeof log === 'number') return log;
  const launched = await launch(values.config, io, log, version);
  if (typeof launched === 'number') return launched;
  const { gateway } = launched;

  const stopReloading =
    // The file found (--config, $SWITCHYARD_CONFIG or ./switchyard.json) is watched; the embedded default is not.
    launched.file === undefined ? () => {} : startReloader(launched.file, gateway, io, log);
  const front = new StdioFront(gateway.coordinator, streams.write, gateway.telemetry?.front);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const ended = new Promise<void>((resolve) =>
    stop.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  const reading = (async () => {
    for await (const line of lines(streams.input)) front.receive(line);
  })();
  await Promise.race([reading, ended]);
  stopReloading();
  await front.settle();
  await front.close();
  await gateway.stop({ timeoutMs: 2_000 });
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  return EXIT.ok;
}
