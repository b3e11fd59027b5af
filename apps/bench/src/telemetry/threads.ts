/**
 * A gateway process's CPU by thread kind, from `/proc/<pid>/task/*​/stat` (Linux): its main thread
 * (the event loop: the front door, the coordinator, telemetry), JavaScriptCore's compiler threads
 * (`JITWorker`: compiling hot code — most of it in a gateway's first seconds of load, and more of
 * it the more code the load runs through) and the rest (module worker threads, the journal writer,
 * GC helpers, the allocator's scavenger, the HTTP client thread). Seconds of user + system time.
 */
import { readdirSync, readFileSync } from 'node:fs';

const CLK_TCK = 100; // `getconf CLK_TCK` on Linux x86-64 and arm64

export interface ThreadCpu {
  main: number;
  compiler: number;
  other: number;
  /**
   * The other threads by name (`comm`, digits dropped): `Worker` (module workers, telemetry's span
   * thread), `HeapHelper` (the collector's helpers), `mi-scavenger` (the allocator giving memory
   * back), `JSCWarmUp`, `HTTP` (the fetch client), `fs.watch`, …
   */
  byName: Record<string, number>;
}

/** Undefined once the process is gone (or off Linux). */
export function threadCpu(pid: number): ThreadCpu | undefined {
  const cpu: ThreadCpu = { main: 0, compiler: 0, other: 0, byName: {} };
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  for (const tid of tids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const seconds = (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
    if (tid === String(pid)) cpu.main += seconds;
    else if (comm.startsWith('JITWorker')) cpu.compiler += seconds;
    else {
      cpu.other += seconds;
      const name = comm.replace(/\d+/g, '').trim() || '?';
      cpu.byName[name] = (cpu.byName[name] ?? 0) + seconds;
    }
  }
  return cpu;
}

/** `b - a`, per kind (and per name of the other threads). */
export function cpuBetween(a: ThreadCpu, b: ThreadCpu): ThreadCpu {
  const byName: Record<string, number> = {};
  for (const [name, seconds] of Object.entries(b.byName)) byName[name] = seconds - (a.byName[name] ?? 0);
  return { main: b.main - a.main, compiler: b.compiler - a.compiler, other: b.other - a.other, byName };
}
