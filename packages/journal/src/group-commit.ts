/**
 * Group commit: records are buffered and handed to `commit` together, when `maxBatch` of them
 * wait or `maxDelayMs` after the first arrived, whichever comes first. A request never waits for
 * a disk sync; `flush()` resolves once everything pushed before it is committed.
 *
 * Memory is bounded. When `maxBuffered` records or `maxBufferedBytes` bytes are held (buffered or
 * being committed), `push` either returns a promise that resolves once the record found room
 * (`onFull: 'wait'`, the default: the caller is slowed to the disk's pace) or throws
 * `JournalBackpressureError` without taking the record (`onFull: 'reject'`: the caller decides).
 * Records are never dropped: a failed commit keeps its batch at the head of the buffer, rejects the
 * pending `flush()` calls with `JournalWriteError` and retries with backoff.
 *
 * Pure: timers and microtasks only.
 */
import { JournalBackpressureError, JournalClosedError, JournalWriteError } from './errors.ts';

export interface GroupCommitLimits {
  /** Commit as soon as this many records wait (default 512). */
  maxBatch: number;
  /** …or this many milliseconds after the first of them arrived (default 5). */
  maxDelayMs: number;
  /** Records held before back-pressure (default 16384). */
  maxBuffered: number;
  /** Bytes held before back-pressure (default 64 MiB). */
  maxBufferedBytes: number;
  /** What a full buffer does to a writer (default `wait`). */
  onFull: 'wait' | 'reject';
}

export const DEFAULT_GROUP_COMMIT: GroupCommitLimits = {
  maxBatch: 512,
  maxDelayMs: 5,
  maxBuffered: 16_384,
  maxBufferedBytes: 64 * 1024 * 1024,
  onFull: 'wait',
};

export interface GroupCommitHooks<T> {
  sizeOf(record: T): number;
  /** Writes the batch atomically, or throws and writes nothing. */
  commit(batch: T[]): void | Promise<void>;
  /** Background failures (each failed commit). */
  onError(error: JournalWriteError): void;
}

interface Waiter<T> {
  record: T;
  size: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface FlushWaiter {
  target: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const MAX_RETRY_DELAY_MS = 1000;

export class GroupCommitter<T> {
  #buffer: T[] = [];
  /** Records and bytes in the buffer plus the batch being committed. */
  #held = 0;
  #heldBytes = 0;
  #waiting: Waiter<T>[] = [];
  #flushes: FlushWaiter[] = [];
  /** Records pushed (in order) and records committed: the committed ones are always a prefix. */
  #pushed = 0;
  #committed = 0;
  #committing = false;
  #scheduled = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #failures = 0;
  #closed = false;

  constructor(
    private readonly limits: GroupCommitLimits,
    private readonly hooks: GroupCommitHooks<T>,
  ) {}

  /** Records pushed and not yet committed (including those waiting for room). */
  get pending(): number {
    return this.#pushed - this.#committed;
  }

  /**
   * Takes the record `build()` returns. `build` runs synchronously unless the push is refused,
   * so whatever it assigns (sequence numbers) follows the order of the calls.
   */
  push(build: () => T, method: string): void | Promise<void> {
    if (this.#closed) throw new JournalClosedError(method);
    const full =
      this.#waiting.length > 0 ||
      this.#held >= this.limits.maxBuffered ||
      this.#heldBytes >= this.limits.maxBufferedBytes;
    if (full && this.limits.onFull === 'reject') {
      throw new JournalBackpressureError(
        this.#held,
        `${this.limits.maxBuffered} records / ${this.limits.maxBufferedBytes} bytes`,
      );
    }
    const record = build();
    const size = this.hooks.sizeOf(record);
    this.#pushed++;
    if (!full) {
      this.#admit(record, size);
      return;
    }
    return new Promise<void>((resolve, reject) => this.#waiting.push({ record, size, resolve, reject }));
  }

  /** Resolves when every record pushed before the call is committed; rejects if a commit fails. */
  flush(): Promise<void> {
    const target = this.#pushed;
    if (this.#committed >= target) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#flushes.push({ target, resolve, reject });
      this.#runSoon();
    });
  }

  /**
   * Refuses new records, then flushes. If the last commit fails, the records still held are lost:
   * the rejection (a `JournalWriteError`) says how many, and writers still waiting for room get it too.
   */
  async close(): Promise<void> {
    this.#closed = true;
    try {
      await this.flush();
    } catch (error) {
      for (const w of this.#waiting.splice(0)) w.reject(error);
      throw error;
    } finally {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #admit(record: T, size: number): void {
    this.#buffer.push(record);
    this.#held++;
    this.#heldBytes += size;
    // While commits fail, the retry timer paces the attempts.
    if (this.#buffer.length >= this.limits.maxBatch && this.#failures === 0) this.#runSoon();
    else this.#timer ??= setTimeout(() => this.#run(), this.limits.maxDelayMs);
  }

  #runSoon(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      void this.#run();
    });
  }

  async #run(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#committing || this.#buffer.length === 0) return;
    this.#committing = true;
    const batch = this.#buffer;
    this.#buffer = [];
    let failure: JournalWriteError | undefined;
    try {
      await this.hooks.commit(batch);
      this.#committed += batch.length;
      this.#held -= batch.length;
      for (const record of batch) this.#heldBytes -= this.hooks.sizeOf(record);
      this.#failures = 0;
    } catch (error) {
      failure = new JournalWriteError(batch.length, { cause: error });
      this.#buffer = batch.concat(this.#buffer);
      this.#failures++;
    } finally {
      this.#committing = false;
    }
    if (failure) {
      for (const f of this.#flushes.splice(0)) f.reject(failure);
      this.hooks.onError(failure);
      const delay = Math.min(
        MAX_RETRY_DELAY_MS,
        2 ** (this.#failures - 1) * Math.max(1, this.limits.maxDelayMs),
      );
      this.#timer = setTimeout(() => this.#run(), delay);
      return;
    }
    this.#admitWaiting();
    this.#flushes = this.#flushes.filter((f) => {
      if (f.target > this.#committed) return true;
      f.resolve();
      return false;
    });
    if (this.#buffer.length === 0) return;
    if (this.#flushes.length > 0 || this.#buffer.length >= this.limits.maxBatch) this.#runSoon();
    else this.#timer ??= setTimeout(() => this.#run(), this.limits.maxDelayMs);
  }

  #admitWaiting(): void {
    while (
      this.#waiting.length > 0 &&
      this.#held < this.limits.maxBuffered &&
      this.#heldBytes < this.limits.maxBufferedBytes
    ) {
      const w = this.#waiting.shift()!;
      this.#buffer.push(w.record);
      this.#held++;
      this.#heldBytes += w.size;
      w.resolve();
    }
  }
}
