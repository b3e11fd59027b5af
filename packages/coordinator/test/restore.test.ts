/**
 * Sessions read back from the journal by another coordinator (the gateway's next process): only
 * for their principal, not once idle past `sessionIdleMs`, once for concurrent requests, within
 * the `sessions` bound; a coordinator closed (shutting down) keeps its sessions' records, DELETE
 * removes them. Real fixture processes, a shared memory journal.
 */
import { createJournal, type Journal, memoryDriver } from '@switchyard/journal';
import { afterEach, describe, expect, it } from 'vitest';
import { finalResponse, LIMIT_REACHED, MCPCoordinator, type MCPCoordinatorOptions } from '../src/index.ts';
import { ask, errorOf, open, req, resultOf } from './support/protocol.ts';
import { StdioTier } from './support/stdio-tier.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

function coordinatorOn(journal: Journal, extra: Partial<MCPCoordinatorOptions> = {}): MCPCoordinator {
  const tier = new StdioTier({ a: ['--name', 'a'] });
  const coordinator = new MCPCoordinator({
    tiers: tier,
    backends: [{ name: 'a' }],
    serverInfo: { name: 'switchyard', version: '0.0.0-test' },
    journal,
    ...extra,
  });
  stops.push(async () => {
    await coordinator.close();
    await tier.stop();
  });
  return coordinator;
}

async function sharedJournal(): Promise<Journal> {
  const journal = await createJournal({ driver: memoryDriver() });
  stops.push(() => journal.close());
  return journal;
}

describe('sessions restored from the journal', () => {
  it("another coordinator continues a closed one's session for its principal only, once for concurrent requests", async () => {
    const journal = await sharedJournal();
    const first = coordinatorOn(journal);
    const { sessionId } = await open(first, '2025-06-18', 'alice', { sampling: {} });
    resultOf(await ask(first, sessionId, req('logging/setLevel', { level: 'debug' })));
    await first.close();
    // Shutting down keeps the record, with what the next process needs.
    expect(await journal.getSession(sessionId)).toMatchObject({
      principal: 'alice',
      protocolVersion: '2025-06-18',
      state: { capabilities: { sampling: {} }, logLevel: 'debug' },
    });

    const second = coordinatorOn(journal);
    const foreign = await second.handle(req('ping'), { sessionId, principal: 'mallory' });
    expect(foreign.kind).toBe('session-not-found');
    expect(second.stats().sessions).toBe(0);
    const [a, b] = await Promise.all([
      ask(second, sessionId, req('ping')),
      ask(second, sessionId, req('tools/list')),
    ]);
    resultOf(a);
    expect((resultOf(b).tools as { name: string }[]).map((t) => t.name)).toContain('a__echo');
    expect(second.stats().sessions).toBe(1);
    expect(await second.restoreSession(sessionId, 'alice')).toBe(true);
    expect(await second.restoreSession(sessionId, 'mallory')).toBe(false);

    // DELETE ends it for good: the record goes.
    expect(await second.closeSession(sessionId, 'alice')).toBe(true);
    expect(await journal.getSession(sessionId)).toBeUndefined();
    const third = coordinatorOn(journal);
    expect((await third.handle(req('ping'), { sessionId, principal: 'alice' })).kind).toBe(
      'session-not-found',
    );
  });

  it('a record idle past sessionIdleMs is not restored, and is deleted', async () => {
    const journal = await sharedJournal();
    let now = 1_000_000;
    const first = coordinatorOn(journal, { now: () => now, sessionIdleMs: 60_000 });
    const { sessionId } = await open(first);
    await first.close();
    now = Date.now() + 61_000;
    const second = coordinatorOn(journal, { now: () => now, sessionIdleMs: 60_000 });
    expect((await second.handle(req('ping'), { sessionId, principal: 'alice' })).kind).toBe(
      'session-not-found',
    );
    expect(await journal.getSession(sessionId)).toBeUndefined();
  });

  it('a gateway at its sessions bound refuses to restore one more (503, LIMIT_REACHED)', async () => {
    const journal = await sharedJournal();
    const first = coordinatorOn(journal);
    const { sessionId } = await open(first);
    await first.close();
    const second = coordinatorOn(journal, { limits: { sessions: 1 } });
    await open(second, '2025-11-25', 'bob');
    const refused = await second.handle(req('ping', undefined, 5), { sessionId, principal: 'alice' });
    expect(refused).toMatchObject({ kind: 'response', httpStatus: 503 });
    expect(errorOf(await finalResponse(refused)).code).toBe(LIMIT_REACHED);
  });
});
