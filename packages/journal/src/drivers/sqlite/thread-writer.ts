/**
 * The store's side of the writer thread: `commit(batch)` resolves when the thread has committed it
 * (or rejects with the thread's error, and the group committer retries). A thread that dies is
 * started again for the next commit; the batches it had not acknowledged are rejected, so the group
 * committer sends them again (a batch is one transaction: it is in the file whole or not at all).
 * The thread keeps the process alive only while a commit is in flight.
 */
import { JournalOpenError } from '../../errors.ts';
import { packBatch } from './commit-wire.ts';
import type { OpenOptions } from './open.ts';
import type { Op } from './ops.ts';
import type { WriterOptions } from './writer.ts';
import type { FromWriter, ToWriter } from './writer-protocol.ts';

// Under vitest the store runs from src/ (.ts); once built, from dist/ (.js).
const entryExt = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const ENTRY = new URL(`./writer-thread${entryExt}`, import.meta.url).href;

interface Pending {
  resolve(): void;
  reject(error: Error): void;
}

export class ThreadWriter {
  #worker: Worker | undefined;
  #ready: Promise<void> | undefined;
  readonly #pending = new Map<number, Pending>();
  #seq = 0;
  #closed: Promise<void> | undefined;

  private constructor(
    private readonly path: string,
    private readonly open: OpenOptions,
    private readonly options: WriterOptions,
  ) {}

  /** Starts the thread and waits until it has opened the file. */
  static async start(path: string, open: OpenOptions, options: WriterOptions): Promise<ThreadWriter> {
    const writer = new ThreadWriter(path, open, options);
    await writer.#start();
    return writer;
  }

  #start(): Promise<void> {
    const worker = new Worker(ENTRY);
    this.#worker = worker;
    this.#ready = new Promise<void>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<FromWriter>) => {
        const m = event.data;
        switch (m.type) {
          case 'opened':
            worker.unref(); // idle: the thread does not keep the process alive
            resolve();
            return;
          case 'open-failed':
            reject(
              new JournalOpenError(
                this.path,
                `the journal's writer thread could not open it: ${m.error.message}`,
                {
                  cause: m.error,
                },
              ),
            );
            return;
          case 'committed':
          case 'failed': {
            const p = this.#pending.get(m.id);
            this.#pending.delete(m.id);
            if (this.#pending.size === 0) worker.unref();
            if (m.type === 'committed') p?.resolve();
            else p?.reject(Object.assign(new Error(m.error.message), { name: m.error.name }));
          }
        }
      };
      worker.addEventListener('close', () => {
        if (this.#worker !== worker) return;
        this.#worker = undefined;
        const lost = new Error("the journal's writer thread stopped");
        reject(lost);
        for (const p of this.#pending.values()) p.reject(lost);
        this.#pending.clear();
      });
    });
    this.#ready.catch(() => {});
    const open: ToWriter = { type: 'open', path: this.path, open: this.open, writer: this.options };
    worker.postMessage(open);
    return this.#ready;
  }

  /** Commits `batch` on the thread (one transaction). */
  async commit(batch: Op[]): Promise<void> {
    if (this.#closed) throw new Error('the journal writer is closed');
    if (!this.#worker) await this.#start();
    await this.#ready;
    const id = ++this.#seq;
    const done = new Promise<void>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.#worker!.ref(); // a commit in flight keeps the process alive until it is in the file
    const message: ToWriter = { type: 'commit', id, batch: packBatch(batch) };
    this.#worker!.postMessage(message);
    return done;
  }

  /** Packs what is staged, closes the thread's connection, ends the thread. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      const worker = this.#worker;
      if (!worker) return;
      await this.#ready?.catch(() => {});
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        worker.onmessage = (event: MessageEvent<FromWriter>) => {
          if (event.data.type === 'closed') {
            clearTimeout(timer);
            resolve();
          }
        };
        const close: ToWriter = { type: 'close' };
        worker.postMessage(close);
      });
      this.#worker = undefined;
      worker.terminate();
    })();
    return this.#closed;
  }
}
