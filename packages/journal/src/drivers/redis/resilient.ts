/**
 * A Redis connection that survives the server going away. Bun's `RedisClient` reconnects only a
 * bounded number of times and, meanwhile, queues commands — a request waiting on a session's record
 * would wait out the whole reconnect (30 s seen), and after the last attempt the client stays dead
 * even once the server is back. This wrapper owns the reconnecting instead:
 *
 * - while the connection is down, a command fails **at once** with `JournalUnavailableError` (the
 *   gateway answers 503 + Retry-After, not 404), and a new connection is attempted in the background
 *   — at once when the client says it dropped, then every `retryMs` until one succeeds (one at a
 *   time), so a node is connected again soon after Redis is back, before its next command;
 * - a command that takes longer than `commandTimeoutMs` (a server that stopped answering) fails
 *   with `JournalUnavailableError` and the connection is replaced;
 * - a server's own error reply (`NOSCRIPT`, `WRONGTYPE`, …) passes through unchanged.
 *
 * Pure: the client comes from `connect`, the clock from `now`.
 */
import { JournalUnavailableError } from '../../errors.ts';
import type { OwnedConnection } from './connection.ts';

/** A connection as `connect` makes it: Bun's `RedisClient` has `connected`. */
export interface LiveConnection extends OwnedConnection {
  /** False once the connection dropped (a client without it is judged by its errors alone). */
  readonly connected?: boolean;
}

export interface ResilientOptions {
  /** Makes a new connected client, or rejects; `onDrop` is called if that client's connection drops. */
  connect(onDrop: () => void): Promise<LiveConnection>;
  /** Where, for messages (the URL without its password). */
  where: string;
  /** The longest a command may take (default 5 s). */
  commandTimeoutMs?: number;
  /** The least time between two connection attempts (default 1 s). */
  retryMs?: number;
  now?: () => number;
  /** Told when the connection drops and when it is back. */
  onState?(state: 'down' | 'up', detail?: string): void;
}

export class ResilientConnection implements OwnedConnection {
  #current: LiveConnection | undefined;
  #connecting: Promise<void> | undefined;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  #lastProblem = 'the connection dropped';
  #closed = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #timeoutMs: number;
  readonly #retryMs: number;
  readonly #now: () => number;

  /** `first`: a client made by `options.connect(connection.dropped)`. */
  constructor(
    first: LiveConnection,
    private readonly options: ResilientOptions,
  ) {
    this.#current = first;
    this.#timeoutMs = options.commandTimeoutMs ?? 5_000;
    this.#retryMs = options.retryMs ?? 1_000;
    this.#now = options.now ?? Date.now;
  }

  /** Whether a connection is up now (as far as is known without sending). */
  get up(): boolean {
    return this.#current !== undefined && this.#current.connected !== false;
  }

  async send(command: string, args: string[]): Promise<unknown> {
    const client = this.#live();
    if (!client) {
      this.#reconnect();
      throw this.#unavailable();
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        client.send(command, args),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new TimedOut(`${command} had no answer within ${this.#timeoutMs} ms`)),
            this.#timeoutMs,
          );
        }),
      ]);
    } catch (error) {
      if (error instanceof TimedOut) {
        this.#drop(client, error.message);
        throw this.#unavailable(error);
      }
      // A reply the server sent is the caller's; a failure of the connection is ours.
      if (client.connected === false || this.#current !== client) {
        this.#drop(client, messageOf(error));
        throw this.#unavailable(error);
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#current?.close();
    this.#current = undefined;
  }

  /** For the client's close callback: the connection dropped, reconnect now. */
  readonly dropped = (): void => {
    const client = this.#current;
    if (client && client.connected === false) this.#drop(client, 'the connection dropped');
  };

  #live(): LiveConnection | undefined {
    const client = this.#current;
    if (client && client.connected === false) {
      this.#drop(client, 'the connection dropped');
      return undefined;
    }
    return client;
  }

  #drop(client: LiveConnection, problem: string): void {
    if (this.#current !== client) return;
    this.#current = undefined;
    this.#lastProblem = problem;
    try {
      client.close();
    } catch {
      // already closed
    }
    this.options.onState?.('down', problem);
    this.#reconnect();
  }

  #reconnect(): void {
    if (this.#closed || this.#connecting || this.#current) return;
    const wait = this.#lastAttempt + this.#retryMs - this.#now();
    if (wait > 0) {
      this.#retryLater(wait);
      return;
    }
    this.#lastAttempt = this.#now();
    this.#connecting = this.options
      .connect(this.dropped)
      .then(
        (client) => {
          if (this.#closed) {
            client.close();
            return;
          }
          this.#current = client;
          this.options.onState?.('up');
        },
        (error) => {
          this.#lastProblem = messageOf(error);
        },
      )
      .finally(() => {
        this.#connecting = undefined;
        if (!this.#current) this.#retryLater(this.#retryMs);
      });
  }

  /** One timer at a time; it does not keep the process alive. */
  #retryLater(ms: number): void {
    if (this.#closed || this.#retryTimer !== undefined) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#reconnect();
    }, ms);
    (this.#retryTimer as { unref?: () => void }).unref?.();
  }

  #unavailable(cause?: unknown): JournalUnavailableError {
    return new JournalUnavailableError(`Redis at ${this.options.where}`, this.#lastProblem, { cause });
  }
}

class TimedOut extends Error {}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
