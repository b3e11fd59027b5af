/**
 * The seam between the store and a Redis client: one method, `send(command, args)`, which Bun's
 * `RedisClient` has as it is and any other client gets in a line (ioredis:
 * `{ send: (command, args) => redis.call(command, ...args) }`). The store sends only `EVALSHA`,
 * `EVAL`, `XRANGE`, `ZRANGEBYSCORE`, `SMEMBERS`, `GET` and `PING`, and reads replies that are the
 * same under RESP2 and RESP3 (arrays, strings, integers, null). Pure.
 */
import { createHash } from 'node:crypto';
import { type ScriptName, scriptSource } from './scripts.ts';

/** What the Redis driver needs of a client. */
export interface RedisConnection {
  /** Sends one command; resolves with its reply, rejects with the server's error. */
  send(command: string, args: string[]): Promise<unknown>;
}

/** A connection the driver opened itself (from a `url`), and so closes. */
export interface OwnedConnection extends RedisConnection {
  close(): void;
}

/** Runs the store's scripts by SHA1, loading one with `EVAL` the first time Redis does not know it. */
export class ScriptRunner {
  readonly #sha = new Map<ScriptName, string>();

  constructor(private readonly connection: RedisConnection) {}

  async run(name: ScriptName, args: string[]): Promise<unknown> {
    const source = scriptSource(name);
    let sha = this.#sha.get(name);
    if (sha === undefined) {
      sha = createHash('sha1').update(source).digest('hex');
      this.#sha.set(name, sha);
    }
    try {
      return await this.connection.send('EVALSHA', [sha, '0', ...args]);
    } catch (error) {
      // A server that restarted (or was flushed with SCRIPT FLUSH) forgets scripts: EVAL loads it again.
      if (!String((error as Error)?.message ?? error).includes('NOSCRIPT')) throw error;
      return this.connection.send('EVAL', [source, '0', ...args]);
    }
  }
}
