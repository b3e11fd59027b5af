import { describe, expect, it } from 'vitest';
import { isJournalUnavailableError } from '../../errors.ts';
import { type LiveConnection, ResilientConnection } from './resilient.ts';

/** A client whose answers the test decides: `hang` never answers, `drop` closes it. */
class Scripted implements LiveConnection {
  connected = true;
  closed = false;
  hang = false;
  send(command: string): Promise<unknown> {
    if (!this.connected) return Promise.reject(new Error('Connection has failed'));
    if (this.hang) return new Promise(() => {});
    if (command === 'BAD') return Promise.reject(new Error('WRONGTYPE Operation against a key'));
    return Promise.resolve('PONG');
  }
  close(): void {
    this.closed = true;
    this.connected = false;
  }
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('ResilientConnection', () => {
  it("passes the server's own error replies through; a dropped client fails at once and is replaced", async () => {
    const first = new Scripted();
    const made: Scripted[] = [];
    let now = 0;
    const conn = new ResilientConnection(first, {
      where: 'redis://test',
      now: () => now,
      retryMs: 1_000,
      connect: async () => {
        const next = new Scripted();
        made.push(next);
        return next;
      },
    });
    expect(await conn.send('PING', [])).toBe('PONG');
    const reply = await failure(conn.send('BAD', []));
    expect(isJournalUnavailableError(reply)).toBe(false);
    expect(String(reply)).toContain('WRONGTYPE');

    first.connected = false;
    expect(isJournalUnavailableError(await failure(conn.send('PING', [])))).toBe(true);
    // One attempt started; none more within retryMs.
    await Promise.resolve();
    expect(made).toHaveLength(1);
    await Bun.sleep(0);
    expect(await conn.send('PING', [])).toBe('PONG');
    made[0]!.connected = false;
    expect(isJournalUnavailableError(await failure(conn.send('PING', [])))).toBe(true);
    expect(made).toHaveLength(1); // within 1 s of the last attempt
    now += 1_000;
    expect(isJournalUnavailableError(await failure(conn.send('PING', [])))).toBe(true);
    expect(made).toHaveLength(2);
  });

  it('a command past its deadline fails as unavailable and the client is replaced', async () => {
    const first = new Scripted();
    first.hang = true;
    const conn = new ResilientConnection(first, {
      where: 'redis://test',
      commandTimeoutMs: 20,
      connect: async () => new Scripted(),
    });
    const error = await failure(conn.send('GET', ['k']));
    expect(isJournalUnavailableError(error)).toBe(true);
    expect(String((error as Error).message)).toContain('no answer within 20 ms');
    expect(first.closed).toBe(true);
    // Replaced at once (the new client answers).
    await Bun.sleep(0);
    expect(conn.up).toBe(true);
    expect(await conn.send('PING', [])).toBe('PONG');
  });

  it('a client that says it dropped is replaced before the next command', async () => {
    const first = new Scripted();
    const states: string[] = [];
    const conn = new ResilientConnection(first, {
      where: 'redis://test',
      connect: async () => new Scripted(),
      onState: (state) => states.push(state),
    });
    first.connected = false;
    conn.dropped();
    await Bun.sleep(0);
    expect(states).toEqual(['down', 'up']);
    expect(await conn.send('PING', [])).toBe('PONG');
    conn.close();
  });

  it('after close, nothing reconnects', async () => {
    let attempts = 0;
    const first = new Scripted();
    const conn = new ResilientConnection(first, {
      where: 'redis://test',
      connect: async () => {
        attempts++;
        return new Scripted();
      },
    });
    conn.close();
    expect(isJournalUnavailableError(await failure(conn.send('PING', [])))).toBe(true);
    expect(attempts).toBe(0);
  });
});
