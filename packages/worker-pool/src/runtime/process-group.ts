/**
 * What keeps a process worker — and whatever it starts — from outliving its pool's process.
 *
 * - **A process group per worker.** Each worker is spawned `detached` (`setsid()`: its own session
 *   and process group, the worker its leader), so a stop signals the whole group: the real server
 *   behind an `sh -c` / `npx` wrapper, and helpers that hold the pipes, go with the wrapper.
 * - **A parent-death signal** (Linux, util-linux `setpriv` found on PATH at load): the command runs
 *   as `setpriv --pdeathsig KILL -- <command> …` (setpriv execs it: same pid), so the kernel kills
 *   the worker the moment the spawning process dies, even by SIGKILL. It reaches only that direct
 *   child; grandchildren are the watchdog's.
 * - **A watchdog** (POSIX `sh`): one small shell per pool process, started on the first spawn in a
 *   session of its own, ignoring INT/TERM/HUP, told on its stdin of each live worker's group. When
 *   its stdin ends — the pool's process exited, however it died — it SIGKILLs every group still
 *   registered, grandchildren included. Without `setpriv` it is the only guard, and covers the
 *   direct child as well.
 *
 * Not covered: a descendant that leaves its group (`setsid` / daemonizes itself), and a watchdog
 * killed on its own (the parent-death signal still ends the direct child).
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/** util-linux `setpriv`, looked up once; null off Linux or where it is not installed. */
const SETPRIV: string | null = process.platform === 'linux' ? Bun.which('setpriv') : null;

/** Whether workers get a parent-death signal (`setpriv` is there). */
export const HAS_PDEATHSIG = SETPRIV !== null;

/**
 * The argv to spawn `command` with: wrapped in `setpriv --pdeathsig KILL` where it can be. The
 * command is resolved first (against the child's PATH and cwd) so that one not found still fails
 * the spawn itself, as it would unwrapped.
 */
export function spawnArgv(
  command: string,
  args: readonly string[],
  env: Record<string, string | undefined> | undefined,
  cwd: string | undefined,
): string[] {
  if (SETPRIV === null) return [command, ...args];
  const resolved = resolveCommand(command, env, cwd);
  return resolved === null ? [command, ...args] : [SETPRIV, '--pdeathsig', 'KILL', '--', resolved, ...args];
}

function resolveCommand(
  command: string,
  env: Record<string, string | undefined> | undefined,
  cwd: string | undefined,
): string | null {
  if (command.includes('/')) {
    const path = isAbsolute(command) ? command : resolve(cwd ?? process.cwd(), command);
    return existsSync(path) ? path : null;
  }
  const PATH = env === undefined ? process.env.PATH : env.PATH;
  return Bun.which(command, { PATH: PATH ?? '', ...(cwd !== undefined && { cwd }) });
}

/** Signals every process of the group led by `pid`; false when there is none left. */
export function signalGroup(pid: number, signal: 'SIGTERM' | 'SIGKILL'): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

// ── the watchdog ───────────────────────────────────────────────────────────────────────────────

/** `+<pgid>` registers a group, `-<pgid>` forgets it; at the end of stdin each one left is killed. */
const WATCHDOG_SCRIPT = `trap '' INT TERM HUP
groups=" "
while IFS= read -r line; do
  case "$line" in
    +*) groups="$groups\${line#+} " ;;
    -*) id="\${line#-}"; kept=" "
        for g in $groups; do [ "$g" = "$id" ] || kept="$kept$g "; done
        groups="$kept" ;;
  esac
done
for g in $groups; do kill -9 -$g 2>/dev/null; done
`;

interface Watchdog {
  write(line: string): void;
}

let watchdog: Watchdog | null | undefined;

function startWatchdog(): Watchdog | null {
  if (process.platform === 'win32') return null;
  const sh = Bun.which('sh');
  if (sh === null) return null;
  try {
    const child = Bun.spawn([sh, '-c', WATCHDOG_SCRIPT], {
      stdin: 'pipe',
      stdout: 'ignore',
      stderr: 'ignore',
      detached: true,
    });
    // Neither the watchdog nor its pipe keeps the event loop alive.
    child.unref();
    const stdin = child.stdin;
    stdin.unref();
    let broken = false;
    return {
      write(line) {
        if (broken) return;
        try {
          stdin.write(line);
          const flushed = stdin.flush();
          if (flushed instanceof Promise) flushed.catch(() => (broken = true));
        } catch {
          broken = true;
        }
      },
    };
  } catch {
    return null;
  }
}

/** The watchdog is to kill this group should this process die. */
export function watchGroup(pid: number): void {
  watchdog ??= startWatchdog();
  watchdog?.write(`+${pid}\n`);
}

/** The group is gone (or stopped by us): the watchdog forgets it. */
export function unwatchGroup(pid: number): void {
  watchdog?.write(`-${pid}\n`);
}
