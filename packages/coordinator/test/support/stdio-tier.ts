/**
 * A `TierPort` over real stdio MCP server processes (`Bun.spawn`), for the coordinator's tests
 * while `@switchyard/multi-tier` is being written: one shared worker per backend, started on first
 * demand and started again after it died. It does no handshake itself (the coordinator does), and
 * it records every message each worker was sent, so tests can count handshakes and hold back a
 * cancellation to make a reply late.
 */
import { resolve } from 'node:path';
import type {
  AcquireOptions,
  JsonRpcMessage,
  TierPort,
  WorkerChannel,
  WorkerLease,
} from '../../src/index.ts';

export const FIXTURE = resolve(import.meta.dirname, '../../../../tooling/fixtures/mcp/stdio-server.ts');
export const SAMPLING_FIXTURE = resolve(import.meta.dirname, '../fixtures/sampling-server.ts');

type Proc = ReturnType<typeof Bun.spawn<'pipe', 'pipe', 'pipe'>>;

class ProcessWorker implements WorkerChannel {
  readonly sent: JsonRpcMessage[] = [];
  /** Messages for which this returns true are recorded but not written. */
  holdBack: ((m: JsonRpcMessage) => boolean) | undefined;
  private readonly messageListeners = new Set<(m: JsonRpcMessage) => void>();
  private readonly closeListeners = new Set<(reason: string) => void>();
  private closedReason: string | undefined;
  private stderr = '';
  readonly exited: Promise<unknown>;

  constructor(
    readonly id: string,
    readonly proc: Proc,
  ) {
    void this.readLines(proc.stdout, (line) => {
      let message: JsonRpcMessage;
      try {
        message = JSON.parse(line) as JsonRpcMessage;
      } catch {
        return;
      }
      for (const l of this.messageListeners) l(message);
    });
    void this.readLines(proc.stderr, (line) => {
      this.stderr = line;
    });
    this.exited = proc.exited.then(async (code) => {
      await Bun.sleep(5); // let the last stderr line arrive
      this.closedReason = `worker exited with code ${code}${this.stderr ? `: ${this.stderr}` : ''}`;
      for (const l of this.closeListeners) l(this.closedReason);
    });
  }

  get isClosed(): boolean {
    return this.closedReason !== undefined;
  }

  /**
   * Delivers `message` as if the process had written it. Only for what the fixture cannot be made
   * to send (it never changes its lists, so never sends `list_changed`).
   */
  injectFromWorker(message: JsonRpcMessage): void {
    for (const l of this.messageListeners) l(message);
  }

  send(message: JsonRpcMessage): void {
    this.sent.push(message);
    if (this.closedReason !== undefined || this.holdBack?.(message)) return;
    this.proc.stdin.write(`${JSON.stringify(message)}\n`);
    this.proc.stdin.flush();
  }

  onMessage(listener: (m: JsonRpcMessage) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  onClose(listener: (reason: string) => void): () => void {
    if (this.closedReason !== undefined) {
      const reason = this.closedReason;
      queueMicrotask(() => listener(reason));
    } else this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  private async readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of stream) {
      buffer += decoder.decode(chunk, { stream: true });
      let nl = buffer.indexOf('\n');
      while (nl !== -1) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line) onLine(line);
        nl = buffer.indexOf('\n');
      }
    }
  }
}

export class StdioTier implements TierPort {
  readonly workers: ProcessWorker[] = [];
  readonly endedSessions: string[] = [];
  private readonly current = new Map<string, ProcessWorker>();
  private nextId = 1;

  readonly endedPrincipals: string[] = [];

  /**
   * `backends`: each backend's arguments to the fixture server, or `{ script, args }` for another
   * script. `isolation`: backends whose workers are each bound to one session or one principal (a
   * worker per session id / principal, stopped when it ends); others have one shared worker.
   */
  constructor(
    private readonly backends: Record<
      string,
      readonly string[] | { script: string; args: readonly string[] }
    >,
    private readonly isolation: Record<string, 'per-session' | 'per-principal'> = {},
  ) {}

  async acquire(backend: string, options?: AcquireOptions): Promise<WorkerLease> {
    const spec = this.backends[backend];
    if (!spec) throw new Error(`no backend named ${backend}`);
    const { script, args } = 'script' in spec ? spec : { script: FIXTURE, args: spec };
    const isolation = this.isolation[backend];
    const slot =
      isolation === 'per-session'
        ? `${backend}\u0000s:${options?.session}`
        : isolation === 'per-principal'
          ? `${backend}\u0000p:${options?.principal}`
          : backend;
    let worker = this.current.get(slot);
    if (!worker || worker.isClosed) {
      const proc = Bun.spawn(['bun', script, ...args], { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' });
      worker = new ProcessWorker(`${backend}#${this.nextId++}`, proc);
      this.current.set(slot, worker);
      this.workers.push(worker);
    }
    return { worker, release: () => {} };
  }

  async endSession(session: string): Promise<void> {
    this.endedSessions.push(session);
    this.stopSlots(`\u0000s:${session}`);
  }

  async endPrincipal(principal: string): Promise<void> {
    this.endedPrincipals.push(principal);
    this.stopSlots(`\u0000p:${principal}`);
  }

  private stopSlots(suffix: string): void {
    for (const [slot, w] of this.current) {
      if (!slot.endsWith(suffix)) continue;
      this.current.delete(slot);
      if (!w.isClosed) w.proc.kill('SIGKILL');
    }
  }

  /** The live worker of `backend` (of one session, `s:<id>`, or principal, `p:<name>`, when isolated). */
  worker(backend: string, bound?: string): ProcessWorker {
    const w = this.current.get(bound === undefined ? backend : `${backend}\u0000${bound}`);
    if (!w) throw new Error(`backend ${backend} has no worker`);
    return w;
  }

  /** Stops every process and waits for each to exit. */
  async stop(): Promise<void> {
    for (const w of this.workers) {
      if (!w.isClosed) w.proc.kill('SIGKILL');
    }
    await Promise.all(this.workers.map((w) => w.exited));
  }
}
