/** The CLI's help texts. Commands that are not wired yet say so. */

export const COMMANDS = ['check-config', 'serve', 'stdio', 'journal'] as const;
export type Command = (typeof COMMANDS)[number];

export const MAIN_HELP = `switchyard — one MCP server in front of many

Usage: switchyard <command> [options]

Commands:
  check-config <file>   Validate a configuration file and list its backends.
  serve                 Run the HTTP front door.              (not yet available)
  stdio                 Run the stdio front door.             (not yet available)
  journal export|tail   Read the journal.                     (not yet available)

Options:
  -h, --help            Show help (also after a command: switchyard check-config --help).
  -v, --version         Show the version.

Status: only check-config works in this version. serve, stdio and journal answer
"not yet available" (exit code 2) until the gateway is wired to the coordinator.

Exit codes: 0 done, 1 invalid configuration, 2 usage error or command not yet available.`;

export const COMMAND_HELP: Record<Command, string> = {
  'check-config': `Usage: switchyard check-config <file>

Validates a configuration file: JSON or JSONC (comments and trailing commas allowed), the
mcpServers format MCP clients use plus Switchyard's keys, \${VAR} and \${VAR:-default} expanded
from the environment. Prints "ok: N backends (…)", or every problem found with the path of
the key, what was expected and what was found.

Exit codes: 0 valid, 1 invalid, 2 usage error.`,
  serve: `Usage: switchyard serve [--config <file>]

Not yet available: the HTTP front door comes when the coordinator lands. For now this
command only answers "not yet available" with exit code 2.

Planned: serve the configured backends (or the embedded default: the builtin tools, journal
at ./switchyard.db) over Streamable HTTP at switchyard.listen.`,
  stdio: `Usage: switchyard stdio [--config <file>]

Not yet available: the stdio front door comes when the coordinator lands. For now this
command only answers "not yet available" with exit code 2.

Planned: speak MCP on stdin/stdout, for clients that launch the gateway as a subprocess.`,
  journal: `Usage: switchyard journal export|tail [--config <file>]

Not yet available: for now both subcommands answer "not yet available" with exit code 2.

Planned: export writes the journal as JSON Lines; tail follows new events.`,
};
