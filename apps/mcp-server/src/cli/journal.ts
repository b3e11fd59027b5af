/**
 * `switchyard journal export|tail`: read the journal the configuration names (found as `serve`
 * finds it: `--config`, `$SWITCHYARD_CONFIG`, `./switchyard.json`, the embedded default; which
 * journal file is read is said on stderr). SQLite, opened read-only; safe beside a running
 * gateway, which keeps it in WAL mode. A reader that stops
 * reading (`journal export | head`) ends the command quietly, with exit code 0.
 *
 * - `export [--session <id>] [--since <time>] [--until <time>]`: sessions, stream events and audit
 *   entries as JSON Lines on stdout (times: ISO 8601 or milliseconds since the epoch).
 * - `tail [--limit <n>] [--follow]`: the latest audit entries (one JSON object per line), and with
 *   `--follow` each new one as it is written, until SIGINT / SIGTERM.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createJournal, type ExportSelector, sqliteDriver } from '@switchyard/journal';
import { isConfigError } from '../config/errors.ts';
import { COMMAND_HELP } from './help.ts';
import { type CliIo, EXIT } from './io.ts';
import { loadConfigOrDefault } from './launch.ts';
import { usageError } from './usage.ts';

const FOLLOW_POLL_MS = 250;

/** Thrown by `emit` once stdout's reader has gone: the command stops and succeeds. */
class OutputClosed extends Error {}

function isBrokenPipe(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'EPIPE';
}

/**
 * A write that could not be done at once fails later as an 'error' event on process.stdout, which
 * would end the process with a stack trace; a broken pipe is noted here instead. Installed once.
 */
let stdoutBroken = false;
let guarded = false;
function guardStdout(): void {
  if (guarded) return;
  guarded = true;
  process.stdout.on('error', (error) => {
    if (!isBrokenPipe(error)) throw error;
    stdoutBroken = true;
  });
}

function timeOf(text: string | undefined, flag: string): number | undefined | Error {
  if (text === undefined) return undefined;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  return Number.isFinite(ms)
    ? ms
    : new Error(`${flag} must be an ISO 8601 time or milliseconds; found "${text}"`);
}

export async function journal(args: string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      help: { type: 'boolean', short: 'h' },
      config: { type: 'string', short: 'c' },
      session: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string' },
      follow: { type: 'boolean', short: 'f' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.out(COMMAND_HELP.journal);
    return EXIT.ok;
  }
  const [sub, ...extra] = positionals;
  if (sub !== 'export' && sub !== 'tail') {
    return usageError(
      io,
      `journal needs one of export, tail${sub === undefined ? '' : `; found "${sub}"`}`,
      'journal',
    );
  }
  if (extra.length > 0)
    return usageError(io, `journal ${sub} takes no arguments; found ${extra.join(' ')}`, 'journal');
  // An option of the other subcommand is a mistake, not something to ignore.
  const foreign =
    sub === 'export'
      ? (['limit', 'follow'] as const).filter((k) => values[k] !== undefined)
      : (['session', 'since', 'until'] as const).filter((k) => values[k] !== undefined);
  if (foreign.length > 0) {
    const other = sub === 'export' ? 'tail' : 'export';
    return usageError(
      io,
      `--${foreign[0]} is an option of journal ${other}, not of journal ${sub}`,
      'journal',
    );
  }
  const since = timeOf(values.since, '--since');
  const until = timeOf(values.until, '--until');
  for (const t of [since, until]) if (t instanceof Error) return usageError(io, t.message, 'journal');
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1)
    return usageError(io, `--limit must be a positive integer; found "${values.limit}"`, 'journal');

  let path: string;
  let source: string;
  try {
    const config = await loadConfigOrDefault(values.config, io);
    path = config.settings.journal.path;
    source =
      values.config === undefined && io.env.SWITCHYARD_CONFIG
        ? `${config.source}, from SWITCHYARD_CONFIG`
        : config.source;
  } catch (error) {
    if (!isConfigError(error)) throw error;
    io.err(error.message);
    return EXIT.invalid;
  }
  if (!existsSync(path)) {
    io.err(
      `switchyard journal: no journal at ${path} (switchyard.journal.path of ${source}); has the gateway run here? Name its configuration with --config or SWITCHYARD_CONFIG.`,
    );
    return EXIT.invalid;
  }
  // Which file this is, on stderr so that stdout stays JSON Lines.
  io.err(`switchyard journal: reading ${path} (switchyard.journal.path of ${source})`);
  // Read-only: never migrates or writes the file; no integrity check (the gateway's open does that,
  // and a reader should not read a whole large file before its first line).
  const store = await createJournal({
    driver: sqliteDriver({ path, readonly: true, integrityCheck: 'off' }),
    sessionTtlMs: null,
  });
  guardStdout();
  const emit = (line: string) => {
    if (stdoutBroken) throw new OutputClosed();
    try {
      io.out(line);
    } catch (error) {
      if (isBrokenPipe(error)) throw new OutputClosed();
      throw error;
    }
  };
  try {
    if (sub === 'export') {
      const selector: ExportSelector =
        values.session !== undefined
          ? { sessionId: values.session }
          : {
              since: (since as number | undefined) ?? 0,
              until: (until as number | undefined) ?? Date.now() + 1,
            };
      for await (const line of store.export(selector)) emit(line.replace(/\n$/, ''));
      return EXIT.ok;
    }
    // Page through to the end, keeping the last `limit` entries.
    let shown: Awaited<ReturnType<typeof store.queryAudit>> = [];
    let lastId = 0;
    for (;;) {
      const page = await store.queryAudit({ afterId: lastId, limit: 1000 });
      if (page.length === 0) break;
      shown = [...shown, ...page].slice(-limit);
      lastId = page.at(-1)?.id ?? lastId;
    }
    for (const entry of shown) emit(JSON.stringify(entry));
    while (values.follow && !signal?.aborted) {
      await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
      for (const entry of await store.queryAudit({ afterId: lastId })) {
        emit(JSON.stringify(entry));
        lastId = entry.id;
      }
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof OutputClosed) return EXIT.ok;
    throw error;
  } finally {
    await store.close();
  }
}
