/** The CLI's help texts, and the one-line usage a usage error repeats. */

export const COMMANDS = ['check-config', 'serve', 'stdio', 'journal', 'prefetch'] as const;
export type Command = (typeof COMMANDS)[number];

export const MAIN_HELP = `switchyard — one MCP server in front of many

Usage: switchyard <command> [options]

Commands:
  check-config <file>   Validate a configuration file and list its backends.
  serve                 Run the HTTP front door (Streamable HTTP on /mcp).
  stdio                 Run the stdio front door (MCP on stdin/stdout).
  journal export|tail|sessions
                        Read the journal: export JSON Lines, tail the calls, or list the
                        sessions a gateway on it would continue.
  prefetch              Install the packages of npx/bunx entries once; serve runs their bins.

Options:
  -h, --help            Show help (also after a command: switchyard check-config --help).
  -v, --version         Show the version.

Configuration (serve, stdio, journal): --config <file>, else $SWITCHYARD_CONFIG, else
./switchyard.json if it exists, else the embedded default. A relative path is relative to the
directory the command was run from.

Exit codes: 0 done, 1 invalid configuration (or no journal), 2 usage error.`;

/** Where a command's configuration comes from, said the same way in each help text. */
const CONFIG_DISCOVERY = `  -c, --config <file>   Configuration file (JSON or JSONC), relative to the directory the
                        command was run from. Without it: $SWITCHYARD_CONFIG, else
                        ./switchyard.json if it exists, else the embedded default.`;

export const COMMAND_HELP: Record<Command, string> = {
  'check-config': `Usage: switchyard check-config <file>

Validates a configuration file: JSON or JSONC (comments and trailing commas allowed), the
mcpServers format MCP clients use plus Switchyard's keys, \${VAR} and \${VAR:-default} expanded
from the environment. Prints "ok: N backends (…)", or every problem found with the path of
the key, what was expected and what was found.

Exit codes: 0 valid, 1 invalid, 2 usage error.`,
  serve: `Usage: switchyard serve [--config <file>] [--host <host>] [--port <port>] [--log-level <level>] [--takeover]

Serves the configured backends as one MCP server over Streamable HTTP. The embedded default
configuration: the builtin tools on worker threads, the journal at ./switchyard.db.

${CONFIG_DISCOVERY}
      --host <host>     Interface to listen on. Default switchyard.listen.host (127.0.0.1).
  -p, --port <port>     Port; 0 picks a free one. Default switchyard.listen.port (7331).
      --log-level <l>   trace, debug, info, warn, error, fatal or silent. Default info
                        (or SWITCHYARD_LOG_LEVEL).
      --takeover        Replace the serve running on the same journal (named in
                        <journal>.serve.json) without refusing a connection: listen beside
                        it on its host and port, then send it SIGUSR2; it finishes its
                        calls and exits, and its sessions continue here. Nothing running:
                        just starts.

The first line on stdout is the URL of the MCP endpoint; logs are JSON lines on stderr.

Endpoints:
  /mcp                  MCP, both protocol eras on the same URL:
                          2026-07-28: stateless (server/discover; no session);
                          2025-03-26 … 2025-11-25: initialize, Mcp-Session-Id sessions,
                          SSE answers resumable with Last-Event-ID.
  /healthz              Alive (200 while the process serves).
  /readyz               Ready: the hot backends are started and initialized.
  /metrics              Prometheus metrics (admin: switchyard.admin).
  /dashboard            A live page of backends, workers, rates and calls (admin).
  /                     A small JSON index naming these endpoints.

With --config, a change of the file (or SIGHUP) reloads it: backends added, removed or changed
are started, drained or replaced, sessions on the others are untouched; an invalid file is logged
and the running configuration stays.
SIGTERM or SIGINT stops it gracefully: requests in flight finish (up to 10 s), the journal
is flushed, every backend is stopped. SIGUSR2 (what --takeover sends) hands over to a
successor on the same port: answers close their connections, and once no request has come
for a moment it stops the same way; 2025 sessions continue in the successor.

Exit codes: 0 stopped cleanly, 1 invalid configuration, 2 usage error.`,
  stdio: `Usage: switchyard stdio [--config <file>] [--log-level <level>]

Speaks MCP on stdin/stdout (newline-delimited JSON-RPC; 2025-03-26 … 2025-11-25 with
initialize, or 2026-07-28 stateless), for clients that launch the gateway as one stdio server
(a desktop app's mcpServers entry: "command": "bunx", "args": ["switchyard", "stdio",
"--config", "/path/to/switchyard.json"]). Nothing but MCP messages goes to stdout.

${CONFIG_DISCOVERY}
      --log-level <l>   Logs on stderr: trace … fatal or silent. Default warn.

At end of input (or SIGTERM / SIGINT) requests in flight finish, every backend is stopped
and it exits 0.

Exit codes: 0 done, 1 invalid configuration, 2 usage error.`,
  journal: `Usage: switchyard journal export|tail|sessions [--config <file>] [options]

Reads the journal named by the configuration (switchyard.journal.path; the embedded default:
./switchyard.db), and says on stderr which configuration and journal file it read. Opens the
database read-only, so it is safe while the gateway runs.

${CONFIG_DISCOVERY}

  export                Sessions, stream events and audit entries as JSON Lines.
    --session <id>      Only this session's records.
    --since <time>      From this time (ISO 8601 or ms since the epoch). Default the start.
    --until <time>      Before this time. Default now.
  tail                  The latest calls (audit entries), one JSON object per line.
    --limit <n>         How many. Default 20.
    -f, --follow        Then print each new one as it is written, until Ctrl-C.
  sessions              The live and restorable 2025 sessions, newest first, one JSON object
                        per line: id, principal, protocolVersion, clientInfo (name, version),
                        createdAt, lastSeenAt, expiresAt (ISO times), backends (the per-session
                        or per-principal backends it called), state (the keys kept), logLevel,
                        subscriptions (how many). Every session listed can be continued by a
                        gateway on this journal (after a restart too: the client keeps its
                        Mcp-Session-Id) until its expiresAt: the earlier of the journal's expiry
                        and lastSeenAt + sessions.idleTimeoutMs; later if its client is active
                        (touches reach the journal in coalesced writes).
    --limit <n>         How many. Default 100, at most 10000.
    --full-ids          Whole session ids. By default the first 8 characters and …: a session
                        id is a bearer secret (whoever has it continues the session).

Exit codes: 0 done, 1 invalid configuration or no journal, 2 usage error.`,
  prefetch: `Usage: switchyard prefetch [--config <file>]

Installs, once, the package of every stdio entry that starts through a launcher — npx [-y] <pkg>
or bunx <pkg> — into the prefetch cache ($SWITCHYARD_CACHE_DIR, else $XDG_CACHE_HOME/switchyard,
else ~/.cache/switchyard): with npm for npx entries, with Bun for bunx entries, the entry's env
applied (a registry it names is used). From then on serve and stdio run the installed bin
directly, without the launcher. Run it again to update; remove the folder to go back.

${CONFIG_DISCOVERY}

Exit codes: 0 done, 1 invalid configuration or an install failed, 2 usage error.`,
};

/** The first line of a help text: what a usage error prints before pointing at --help. */
export function usageLine(command?: Command): string {
  if (command === undefined)
    return `Usage: switchyard <command> [options]   (commands: ${COMMANDS.join(', ')})`;
  return COMMAND_HELP[command].split('\n')[0] ?? '';
}
