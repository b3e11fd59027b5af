import { createJournal, type Journal, memoryDriver } from '@switchyard/journal';
import { describe, expect, it } from 'vitest';
import { SessionRestore } from './session-restore.ts';
import { defaultRandomBytes, type FrontSession, SessionTable } from './sessions.ts';

async function setup(options: { idleMs?: number | null; maxSessions?: number } = {}) {
  let clock = 1_000_000;
  const journal = await createJournal({ driver: memoryDriver(), clock: { now: () => clock } });
  const sessions = new SessionTable(defaultRandomBytes);
  const restored: FrontSession[] = [];
  const relinquished: FrontSession[] = [];
  const restore = new SessionRestore({
    journal,
    sessions,
    now: () => clock,
    idleMs: options.idleMs === undefined ? 60_000 : options.idleMs,
    maxSessions: options.maxSessions ?? 10,
    isIsolated: () => false,
    write: async (fn: (j: Journal) => Promise<unknown>) => {
      await fn(journal);
    },
    restored: (session) => restored.push(session),
    relinquish: async (session) => {
      relinquished.push(session);
      sessions.delete(session.id);
    },
  });
  const record = (id: string, principal: string | null = 'alice') =>
    journal.createSession({ id, principal, protocolVersion: '2025-06-18', state: {} });
  return {
    journal,
    sessions,
    restore,
    restored,
    relinquished,
    record,
    advance: (ms: number) => (clock += ms),
  };
}

describe('SessionRestore', () => {
  it('reads a session back once however many ask at the same time, and only for its principal', async () => {
    const { restore, restored, record, sessions } = await setup();
    await record('s1');
    const [a, b, other] = await Promise.all([
      restore.restore('s1', 'alice'),
      restore.restore('s1', 'alice'),
      restore.restore('s1', 'mallory'),
    ]);
    expect(a).toBe(b);
    expect(a).toMatchObject({ id: 's1', principal: 'alice', era: 'legacy' });
    expect(other).toBeUndefined();
    expect(restored).toHaveLength(1);
    expect(sessions.size).toBe(1);
    expect(await restore.restore('nope', 'alice')).toBeUndefined();
  });

  it('lets an idle record go, and says `full` at the bound', async () => {
    const idle = await setup({ idleMs: 60_000 });
    await idle.record('old');
    idle.advance(60_000);
    expect(await idle.restore.restore('old', 'alice')).toBeUndefined();
    expect(await idle.journal.getSession('old')).toBeUndefined();

    const full = await setup({ maxSessions: 0 });
    await full.record('s1');
    expect(await full.restore.restore('s1', 'alice')).toBe('full');
  });

  it('touches a session in the journal when it moved, and lets it go when its record is gone', async () => {
    const { restore, record, journal, advance, relinquished } = await setup({ idleMs: null });
    await record('s1');
    const session = (await restore.restore('s1', 'alice')) as FrontSession;
    advance(5_000);
    session.lastSeenAt = 1_005_000;
    await restore.touchSeen();
    expect((await journal.getSession('s1'))?.lastSeenAt).toBe(1_005_000);
    // Idle here, but touched since by another node: not idle everywhere.
    expect(await restore.idleEverywhere(session, 1_010_000)).toBe(true);
    advance(10_000);
    await journal.touchSession('s1');
    expect(await restore.idleEverywhere(session, 1_010_000)).toBe(false);
    // Another node ended it: the next touch lets it go here.
    await journal.deleteSession('s1');
    session.lastSeenAt = 1_020_000;
    await restore.touchSeen();
    expect(relinquished).toEqual([session]);
  });
});
