/**
 * A Redis that goes away after the journal opened (issue #20, "when Redis is down"): a real
 * redis-server, stopped and started again on the same port. While it is down every method rejects
 * at once with `JournalUnavailableError` (never a missing record, never a wait on Bun's client's
 * reconnect queue); once it is back the driver reconnects by itself — also after an outage longer
 * than Bun's client would have retried — and the records written before are there again (the test's
 * server keeps none across a restart, so the case writes its record after the restart too).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../tooling/testing/redis-server.ts';
import { createJournal, isJournalUnavailableError, type Journal, redisDriver } from '../src/index.ts';

const servers: RedisServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop().catch(() => {})));
});

const SESSION = { principal: 'alice', protocolVersion: '2025-11-25' } as const;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('redis driver: Redis down after open', { timeout: 60_000 }, () => {
  let journal: Journal | undefined;
  afterAll(async () => {
    await journal?.close();
  });

  it('rejects at once with JournalUnavailableError while down, and reconnects by itself when back', async () => {
    const first = await startRedis();
    servers.push(first);
    const states: string[] = [];
    journal = await createJournal({
      driver: redisDriver({
        url: first.url,
        keyPrefix: 'outage:',
        // A deadline longer than the test: a command that fails does so because the connection is down.
        commandTimeoutMs: 120_000,
        onConnectionState: (state) => states.push(state),
      }),
    });
    await journal.createSession({ id: 'before', ...SESSION });
    expect(await journal.getSession('before')).toMatchObject({ id: 'before' });

    await first.stop();
    // The first command after the drop may be the one that finds out; from then on each fails at once.
    const errors: unknown[] = [];
    const started = performance.now();
    for (let i = 0; i < 5; i++) errors.push(await rejection(journal.getSession('before')));
    const elapsedMs = performance.now() - started;
    for (const error of errors) {
      expect(isJournalUnavailableError(error), String(error)).toBe(true);
      expect(String((error as Error).message)).toContain('cannot be reached');
    }
    // "At once": not after Bun's client's reconnect budget (30 s for the first, seen) nor the deadline.
    expect(elapsedMs).toBeLessThan(20_000);
    expect(states).toContain('down');
    // Writes fail the same way (the caller decides; nothing waits).
    expect(
      isJournalUnavailableError(await rejection(journal.createSession({ id: 'during', ...SESSION }))),
    ).toBe(true);

    // Back on the same port (an empty server: the test's Redis keeps nothing on disk).
    const second = await startRedis({ port: first.port });
    servers.push(second);
    const deadline = Date.now() + 15_000;
    let back = false;
    while (!back && Date.now() < deadline) {
      const outcome = await rejection(journal.createSession({ id: 'after', ...SESSION }));
      if (outcome === undefined) back = true;
      else {
        expect(isJournalUnavailableError(outcome), String(outcome)).toBe(true);
        await Bun.sleep(200);
      }
    }
    expect(back).toBe(true);
    expect(states.at(-1)).toBe('up');
    expect(await journal.getSession('after')).toMatchObject({ id: 'after', principal: 'alice' });
  });
});
