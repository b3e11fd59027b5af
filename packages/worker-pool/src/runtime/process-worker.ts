/**
 * Process worker runtime: a `Bun.spawn`ed child speaking newline-delimited JSON-RPC 2.0 on
 * stdin/stdout (the MCP stdio framing). Requests carry pool-assigned numeric ids, so many can be in
 * flight at once; stderr lines go to a bounded tail kept for diagnostics.
 *
 * A stdout line that is too long, not JSON, or not a JSON-RPC message is a protocol fault: it is
 * reported (`onFault`) and skipped; the worker keeps running. (A process that prints a stray log
 * line to stdout should not lose every request in flight.) An answer that was lost that way fails
 * its task at once with a `ProtocolFaultError` where the line names it: a malformed answer with our
 * id, or an answer too long to keep whose top-level `id` is one of ours, wherever the member sits
 * (read as the line goes by, by `TopLevelIdScanner`; an `"id"` nested in its result is not its).
 * An over-long answer whose id cannot be read (none, not a number, string or null, or longer than
 * 64 characters) fails the worker's only task in flight, the one it must have been for; with
 * several in flight none can be told, and each ends by its answer or its timeout. An answer whose id
 * is a string or null is no answer to us (our ids are numbers), long or not.
 *
 * Each process runs in a process group of its own and dies with the pool's process, even on SIGKILL
 * (see `process-group.ts`). Stop: close stdin, wait `graceMs`, SIGTERM the group, wait `killGraceMs`,
 * SIGKILL the group; resolves on exit. When the process exits (stopped or not), what is left of
 * its group — a wrapper's children, helpers holding the pipes — is killed.
 */
import { readFileSync } from 'node:fs';
import type { Subprocess } from 'bun';
import { ProtocolFaultError } from '../errors.ts';
import { LineSplitter, type OversizeLine } from '../framing.ts';
import type { CancelMessageFn, JsonRpcMessage } from '../jsonrpc.ts';
import { StderrTail } from '../stderr-tail.ts';
import { type TopLevelAnswer, TopLevelIdScanner } from '../top-level-id.ts';
import { deliverMessage, SAMPLE_CHARS } from './deliver.ts';
import { signalGroup, spawnArgv, unwatchGroup, watchGroup } from './process-group.ts';
import type { RuntimeSink, WorkerRuntime } from './types.ts';

export interface ProcessWorkerOptions {
  command: string;
  args: readonly string[];
  env: Record<string, string | undefined> | undefined;
  cwd: string | undefined;
  maxLineLength: number;
  stderrLines: number;
  cancelMessage: CancelMessageFn | undefined;
}

const STDERR_LINE_LENGTH = 4096;
/** After the process exits, how long its stdout/stderr may take to reach their end. */
const PIPE_DRAIN_MS = 250;

type Child = Subprocess<'pipe', 'pipe', 'pipe'>;

export class ProcessWorker implements WorkerRuntime {
  readonly #sink: RuntimeSink;
  readonly #options: ProcessWorkerOptions;
  readonly #child: Child | undefined;
  readonly #stderr: StderrTail;
  readonly #done: Promise<void> = Promise.resolve();
  #out = '';
  #flushQueued = false;
  #stdinOpen = true;

  constructor(
    options: ProcessWorkerOptions,
    readonly workerId: number,
    sink: RuntimeSink,
  ) {
    this.#sink = sink;
    this.#options = options;
    this.#stderr = new StderrTail(options.stderrLines);
    let child: Child | undefined;
    try {
      child = Bun.spawn({
        cmd: spawnArgv(options.command, options.args, options.env, options.cwd),
        ...(options.cwd !== undefined && { cwd: options.cwd }),
        ...(options.env !== undefined && { env: options.env }),
        stdin: 'pipe',
        stdout: 'pipe',
        stderr: 'pipe',
        // Its own process group (setsid), so that a stop reaches everything it started.
        detached: true,
      });
    } catch (e) {
      child = undefined;
      const error = `spawn failed: ${e instanceof Error ? e.message : String(e)}`;
      this.#stderr.push(error);
      this.#stdinOpen = false;
      this.#done = Promise.resolve().then(() => sink.onExit({ code: null, signal: null, error }));
    }
    this.#child = child;
    if (child) {
      const pid = child.pid;
      watchGroup(pid);
      const stdout = this.#readStdout(child);
      const stderr = this.#readStderr(child);
      this.#done = child.exited.then(async (code) => {
        // The leader is gone: so is the rest of its group (and the pipes they held).
        signalGroup(pid, 'SIGKILL');
        unwatchGroup(pid);
        // Let the pipes drain so answers written just before the exit are delivered — but not
        // forever: a grandchild that inherited them may keep them open.
        await Promise.race([Promise.all([stdout, stderr]), Bun.sleep(PIPE_DRAIN_MS)]);
        this.#stdinOpen = false;
        const signal = child.signalCode;
        sink.onExit({ code: signal ? null : code, signal: signal === null ? null : String(signal) });
      });
      queueMicrotask(() => sink.onReady());
    }
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async #readStdout(child: Child): Promise<void> {
    // Only a line over the limit is scanned, as it is discarded; lines within it are parsed whole.
    let scan = new TopLevelIdScanner();
    const splitter = new LineSplitter(this.#options.maxLineLength, {
      line: (text) => this.#line(text),
      oversize: (sample) => {
        scan = new TopLevelIdScanner();
        this.#sink.onFault('line-too-long', sample);
      },
      oversizeChunk: (text) => scan.push(text),
      oversizeEnd: (line) => this.#tooLong(line, scan.end()),
    });
    try {
      for await (const chunk of child.stdout) splitter.push(chunk);
    } catch {
      // The pipe broke with the process; its exit is reported through `exited`.
    }
    splitter.end();
  }

  async #readStderr(child: Child): Promise<void> {
    const stderr = this.#stderr;
    const splitter = new LineSplitter(STDERR_LINE_LENGTH, {
      line: (text) => stderr.push(text),
      oversize: (sample) => stderr.push(`${sample}… (line truncated)`),
    });
    try {
      for await (const chunk of child.stderr) splitter.push(chunk);
    } catch {
      // as above
    }
    splitter.end();
  }

  /** A line over the limit ended: if it was an answer to one of our requests, that request fails now. */
  #tooLong(line: OversizeLine, top: TopLevelAnswer): void {
    if (!top.answer) return; // a request or notification of the server's, or not JSON-RPC
    const { id } = top;
    // A string or null id names no request of ours, as with an answer short enough to parse.
    if (typeof id === 'string' || id === null) return;
    const error = new ProtocolFaultError(this.workerId, 'line-too-long', line.head, {
      length: line.length,
      limit: this.#options.maxLineLength,
    });
    if (typeof id === 'number') this.#sink.onSettle(id, false, error);
    else this.#sink.onLostAnswer?.(error); // its id unreadable: the worker's only task, if only one
  }

  #line(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.#sink.onFault('invalid-json', text.slice(0, SAMPLE_CHARS));
      return;
    }
    deliverMessage(this.#sink, this.workerId, message, text);
  }

  #write(line: string): void {
    if (!this.#stdinOpen) return;
    this.#out += line;
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      setImmediate(this.#flush);
    }
  }

  readonly #flush = (): void => {
    this.#flushQueued = false;
    const data = this.#out;
    this.#out = '';
    if (!this.#stdinOpen || data.length === 0) return;
    try {
      const stdin = this.#child!.stdin;
      stdin.write(data);
      const flushed = stdin.flush();
      if (flushed instanceof Promise) flushed.catch(() => this.#stdinBroke());
    } catch {
      this.#stdinBroke();
    }
  };

  #stdinBroke(): void {
    // The process closed its stdin (it is dying); its exit settles what is in flight.
    this.#stdinOpen = false;
  }

  send(wireId: number, method: string, params: unknown): void {
    let line: string;
    try {
      line =
        '{"jsonrpc":"2.0","id":' +
        wireId +
        ',"method":' +
        JSON.stringify(method) +
        (params === undefined ? '' : ',"params":' + JSON.stringify(params)) +
        '}\n';
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      queueMicrotask(() =>
        this.#sink.onSettle(wireId, false, new TypeError(`params cannot be sent as JSON: ${why}`)),
      );
      return;
    }
    this.#write(line);
  }

  cancel(wireId: number, reason: string): void {
    const message = this.#options.cancelMessage?.(wireId, reason);
    if (message) this.post(message);
  }

  ping(): void {
    // Processes have no built-in heartbeat; the pool's health probe speaks their protocol.
  }

  post(message: JsonRpcMessage): void {
    this.#write(`${JSON.stringify(message)}\n`);
  }

  async stop(graceMs: number, killGraceMs: number): Promise<void> {
    const child = this.#child;
    if (!child) return this.#done;
    if (this.#stdinOpen) {
      this.#flush();
      this.#stdinOpen = false;
      try {
        const ended = child.stdin.end();
        if (ended instanceof Promise) ended.catch(() => {});
      } catch {
        // already closed
      }
    }
    if (!(await exitsWithin(child, graceMs))) {
      if (!signalGroup(child.pid, 'SIGTERM')) child.kill('SIGTERM');
      if (!(await exitsWithin(child, killGraceMs)) && !signalGroup(child.pid, 'SIGKILL'))
        child.kill('SIGKILL');
    }
    await this.#done;
  }

  stderrTail(): string[] {
    return this.#stderr.lines();
  }

  rssBytes(): number | undefined {
    const pid = this.#child?.pid;
    return pid === undefined ? undefined : readRssBytes(pid);
  }
}

async function exitsWithin(child: Child, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const exited = await Promise.race([child.exited.then(() => true as const), timeout]);
  clearTimeout(timer);
  return exited;
}

/** VmRSS of `pid` from `/proc/<pid>/status`, in bytes; undefined where /proc is not there. */
export function readRssBytes(pid: number): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}
