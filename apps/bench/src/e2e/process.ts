/**
 * Child processes of the e2e suite (the one file here that calls `Bun.spawn`) and what Linux's
 * /proc says about them: peak RSS (`VmHWM`) and CPU time (`utime + stime`) of a process and of
 * every process below it.
 *
 * Every child is kept in `live` until it has exited, so `killAll` (on error, on Ctrl-C) can reach it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Child {
  name: string;
  proc: Bun.Subprocess<'ignore', 'pipe', 'pipe'>;
  pid: number;
  /** The last few KiB the child wrote to stderr, for error messages. */
  stderrTail(): string;
  /** The next line on stdout (the first one, for servers: their URL). */
  nextLine(timeoutMs: number): Promise<string>;
  /** All stdout lines read so far and still to come, as they arrive. */
  lines: AsyncGenerator<string>;
}

const live = new Set<Child>();

export function spawnChild(name: string, cmd: string[], cwd?: string): Child {
  const proc = Bun.spawn(cmd, { cwd, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
  let tail = '';
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) {
      tail = (tail + decoder.decode(chunk, { stream: true })).slice(-4096);
    }
  })().catch(() => {});
  const lines = readLines(proc.stdout);
  const child: Child = {
    name,
    proc,
    pid: proc.pid,
    stderrTail: () => tail.trim(),
    lines,
    async nextLine(timeoutMs) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`${name}: no line on stdout within ${timeoutMs} ms; stderr: ${tail.trim()}`)),
          timeoutMs,
        );
      });
      try {
        const next = await Promise.race([lines.next(), timeout]);
        if (next.done)
          throw new Error(`${name}: exited (code ${proc.exitCode}) early; stderr: ${tail.trim()}`);
        return next.value;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  live.add(child);
  void proc.exited.then(() => live.delete(child));
  return child;
}

async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of stream) {
    buf += decoder.decode(chunk, { stream: true });
    let nl = buf.indexOf('\n');
    while (nl !== -1) {
      yield buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      nl = buf.indexOf('\n');
    }
  }
  if (buf) yield buf;
}

/**
 * SIGTERM, then SIGKILL after `graceMs`; afterwards SIGKILL whatever is left of `below` (processes
 * that were below the child, should it not have stopped them itself). Resolves once the child has
 * exited, with the pids of `below` that were still alive and had to be killed.
 */
export async function stop(child: Child, graceMs = 3000, below: number[] = []): Promise<number[]> {
  if (child.proc.exitCode === null && child.proc.signalCode === null) {
    child.proc.kill('SIGTERM');
    const exited = await Promise.race([
      child.proc.exited.then(() => true),
      Bun.sleep(graceMs).then(() => false),
    ]);
    if (!exited) {
      child.proc.kill('SIGKILL');
      await child.proc.exited;
    }
  }
  live.delete(child);
  const left: number[] = [];
  if (below.length) {
    const deadline = Date.now() + 1000;
    while (below.some(alive) && Date.now() < deadline) await Bun.sleep(50);
    for (const pid of below) {
      if (!alive(pid)) continue;
      left.push(pid);
      killQuietly(pid, 'SIGKILL');
    }
  }
  return left;
}

/** SIGKILL every child still running (and what was seen below it): the Ctrl-C / crash path. */
export function killAll(): void {
  for (const child of live) {
    for (const pid of descendants(child.pid)) killQuietly(pid, 'SIGKILL');
    killQuietly(child.pid, 'SIGKILL');
  }
  live.clear();
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Whether `pid` still runs (a zombie waiting for its parent counts as gone). */
function alive(pid: number): boolean {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text[text.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

const CLK_TCK = 100; // `getconf CLK_TCK` on Linux x86-64 and arm64

interface Stat {
  ppid: number;
  /** utime + stime, in seconds. */
  cpu: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(rest[1]), cpu: (Number(rest[11]) + Number(rest[12])) / CLK_TCK };
  } catch {
    return undefined;
  }
}

/** The CPU `pid` has used (utime + stime, its threads included), seconds; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  return readStat(pid)?.cpu;
}

/** Peak resident set size (`VmHWM`) of one process, in bytes; 0 once it is gone. */
export function peakRss(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident set size now (`VmRSS`) of one process, in bytes; 0 once it is gone. */
export function currentRss(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every process below `pid` (children, grandchildren, …), found through each one's parent pid. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const list = children.get(stat.ppid);
    if (list) list.push(Number(entry));
    else children.set(stat.ppid, [Number(entry)]);
  }
  const out: number[] = [];
  const todo = [...(children.get(pid) ?? [])];
  while (todo.length) {
    const p = todo.pop()!;
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}

export interface Usage {
  /** CPU seconds (utime + stime) of the process itself. */
  cpuMain: number;
  /** CPU seconds of the process and every process below it. */
  cpuTree: number;
  /** Peak RSS of the process itself, bytes. */
  rssMain: number;
  /** Sum of the peak RSS of the process and every process below it, bytes (an upper bound). */
  rssTree: number;
  /** Processes below it at the time of reading. */
  below: number[];
}

export function usage(pid: number): Usage {
  const below = descendants(pid);
  const cpuMain = readStat(pid)?.cpu ?? 0;
  const rssMain = peakRss(pid);
  let cpuTree = cpuMain;
  let rssTree = rssMain;
  for (const p of below) {
    cpuTree += readStat(p)?.cpu ?? 0;
    rssTree += peakRss(p);
  }
  return { cpuMain, cpuTree, rssMain, rssTree, below };
}

/**
 * Runs `fn` with a fresh scratch folder: whatever happens (an error, Ctrl-C, SIGTERM), every
 * child this bench started is stopped and the folder removed.
 */
export async function withScratch<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const onSignal = (signal: NodeJS.Signals): void => {
    killAll();
    rmSync(dir, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(dir);
  } finally {
    killAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    rmSync(dir, { recursive: true, force: true });
  }
}
