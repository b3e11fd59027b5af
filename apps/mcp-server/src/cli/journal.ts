/**
 * `switchyard journal export|tail|sessions`: read the journal the configuration names (found as `serve`
 * finds it: `--config`, `$SWITCHYARD_CONFIG`, `./switchyard.json`, the embedded default; which
 * journal file is read is said on stderr). SQLite, opened read-only; safe beside a running
 * gateway, which keeps it in WAL mode. With `switchyard.journal.redis`, sessions and stream
 * events are read from the Redis the nodes share (the audit trail stays this node's file). A reader that stops
 * reading (`journal export | head`) ends the command quietly, with exit code 0.
 *
 * - `export [--session <id>] [--since <time>] [--until <time>]`: sessions, stream events and audit
 *   entries as JSON Lines on stdout (times: ISO 8601 or milliseconds since the epoch).
 * - `tail [--limit <n>] [--follow]`: the latest audit entries (one JSON object per line), and with
 *   `--follow` each new one as it is written, until SIGINT / SIGTERM.
 * - `sessions [--limit <n>] [--full-ids]`: the 2025 sessions a gateway on this journal would
 *   continue (one JSON object per line, newest first; see `sessionLine`).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  createJournal,
  type ExportSelector,
  isJournalOpenError,
  MAX_LIST_SESSIONS,
  redisDriver,
  type Session,
  splitDriver,
  sqliteDriver,
} from '@switchyard/journal';
import { isConfigError } from '../config/errors.ts';
import { COMMAND_HELP } from './help.ts';
import { type CliIo, EXIT } from './io.ts';
import { loadConfigOrDefault } from './launch.ts';
import { usageError } from './usage.ts';

const FOLLOW_POLL_MS = 250;
const SUBCOMMANDS = ['export', 'tail', 'sessions'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];
/** Which subcommands take each option (the others refuse it: a mistake, not something to ignore). */
const OPTION_OF: Record<
  'session' | 'since' | 'until' | 'limit' | 'follow' | 'full-ids',
  readonly Subcommand[]
> = {
  session: ['export'],
  since: ['export'],
  until: ['export'],
  limit: ['tail', 'sessions'],
  follow: ['tail'],
  'full-ids': ['sessions'],
};
/** How much of a session id `journal sessions` shows by default: enough to tell sessions apart. */
const SHOWN_ID_CHARS = 8;

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

/**
 * One line of `journal sessions`. The id is cut to its first characters unless asked for whole: a
 * session id is a bearer secret (whoever holds it continues the session, within its principal).
 * `expiresAt` is when a gateway stops continuing it, by the record: the earlier of the journal's
 * expiry and `lastSeenAt` + the idle timeout (a gateway that holds the session now may have seen it
 * since: touches reach the journal in coalesced writes, so the session can live longer, not less).
 */
function sessionLine(session: Session, idleMs: number, fullIds: boolean) {
  const { state, clientInfo } = session;
  const restorableUntil = session.lastSeenAt + idleMs;
  const expiresAt =
    session.expiresAt === null ? restorableUntil : Math.min(session.expiresAt, restorableUntil);
  const subscriptions = state.subscriptions;
  return {
    id:
      fullIds || session.id.length <= SHOWN_ID_CHARS ? session.id : `${session.id.slice(0, SHOWN_ID_CHARS)}…`,
    principal: session.principal,
    protocolVersion: session.protocolVersion,
    clientInfo:
      clientInfo === null ? null : { name: clientInfo.name ?? null, version: clientInfo.version ?? null },
    createdAt: new Date(session.createdAt).toISOString(),
    lastSeenAt: new Date(session.lastSeenAt).toISOString(),
    expiresAt: new Date(expiresAt).toISOString(),
    backends: Object.keys(session.bindings).sort(),
    state: Object.keys(state).sort(),
    logLevel: typeof state.logLevel === 'string' ? state.logLevel : null,
    subscriptions:
      subscriptions !== null && typeof subscriptions === 'object' ? Object.keys(subscriptions).length : 0,
  };
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
      'full-ids': { type: 'boolean' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.out(COMMAND_HELP.journal);
    return EXIT.ok;
  }
  const [sub, ...extra] = positionals;
  if (!SUBCOMMANDS.includes(sub as Subcommand)) {
    return usageError(
      io,
      `journal needs one of ${SUBCOMMANDS.join(', ')}${sub === undefined ? '' : `; found "${sub}"`}`,
      'journal',
    );
  }
  const command = sub as Subcommand;
  if (extra.length > 0)
    return usageError(io, `journal ${command} takes no arguments; found ${extra.join(' ')}`, 'journal');
  for (const [option, owners] of Object.entries(OPTION_OF)) {
    if (values[option as keyof typeof OPTION_OF] === undefined || owners.includes(command)) continue;
    const of = owners.map((o) => `journal ${o}`).join(' and ');
    return usageError(io, `--${option} is an option of ${of}, not of journal ${command}`, 'journal');
  }
  const since = timeOf(values.since, '--since');
  const until = timeOf(values.until, '--until');
  for (const t of [since, until]) if (t instanceof Error) return usageError(io, t.message, 'journal');
  const limit = values.limit === undefined ? (command === 'sessions' ? 100 : 20) : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1)
    return usageError(io, `--limit must be a positive integer; found "${values.limit}"`, 'journal');
  if (command === 'sessions' && limit > MAX_LIST_SESSIONS)
    return usageError(
      io,
      `--limit of journal sessions is at most ${MAX_LIST_SESSIONS}; found ${limit}`,
      'journal',
    );

  let path: string;
  let source: string;
  let idleMs: number;
  let shared: { url: string; keyPrefix?: string } | undefined;
  try {
    const config = await loadConfigOrDefault(values.config, io);
    path = config.settings.journal.path;
    shared = config.settings.journal.redis;
    idleMs = config.settings.sessions.idleTimeoutMs;
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
  if (shared) {
    io.err(
      `switchyard journal: sessions and stream events from ${withoutCredentials(shared.url)} (switchyard.journal.redis)`,
    );
  }
  // Read-only: never migrates or writes the file; no integrity check (the gateway's open does that,
  // and a reader should not read a whole large file before its first line).
  const file = sqliteDriver({ path, readonly: true, integrityCheck: 'off' });
  // With journal.redis (several nodes), sessions and stream events are the cluster's, in Redis; the
  // audit trail is this node's file. Only read here.
  const opened = await createJournal({
    driver: shared
      ? splitDriver({
          sessions: redisDriver({
            url: shared.url,
            ...(shared.keyPrefix !== undefined && { keyPrefix: shared.keyPrefix }),
          }),
          audit: file,
        })
      : file,
    sessionTtlMs: null,
  }).catch((error: unknown) => {
    // Redis not answering: named by its key, as serve does (the message masks the password).
    if (shared && isJournalOpenError(error)) {
      io.err(`switchyard journal: switchyard.journal.redis.url: ${error.message}`);
      return undefined;
    }
    throw error;
  });
  if (!opened) return EXIT.invalid;
  const store = opened;
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
    if (command === 'sessions') {
      const now = Date.now();
      // A gateway continues a journaled session only while it is within both the journal's expiry
      // and the gateway's idle timeout (sessions.idleTimeoutMs of this configuration): a record
      // last seen longer ago than that is deleted, not restored, by the gateway that reads it.
      const listed = await store.listSessions({ limit, seenSince: Math.max(0, now - idleMs + 1) });
      for (const session of listed)
        emit(JSON.stringify(sessionLine(session, idleMs, values['full-ids'] === true)));
      return EXIT.ok;
    }
    if (command === 'export') {
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

/** A Redis URL fit for a log line: no user name, no password. */
function withoutCredentials(url: string): string {
  const parsed = URL.parse(url);
  if (!parsed) return 'the configured Redis';
  parsed.username = '';
  parsed.password = '';
  return parsed.href;
}
