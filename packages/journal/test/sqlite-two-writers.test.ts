/**
 * Two journals on one SQLite file — two gateway processes during an upgrade (`serve --takeover`),
 * or a gateway and a tool — change the same session at once: each change lands, none overwrites
 * the other with its own older view of the session, and a session one deleted stays deleted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createJournal, type Journal, sqliteDriver } from '../src/index.ts';
import { tempDir } from './helpers.ts';

const open: Journal[] = [];
const dirs: ReturnType<typeof tempDir>[] = [];
afterEach(async () => {
  for (const j of open.splice(0)) await j.close();
  for (const d of dirs.splice(0)) d.remove();
});

async function two(writer: 'inline' | 'thread'): Promise<[Journal, Journal]> {
  const dir = tempDir();
  dirs.push(dir);
  const path = dir.file('journal.db');
  const a = await createJournal({ driver: sqliteDriver({ path, writer }) });
  const b = await createJournal({ driver: sqliteDriver({ path, writer }) });
  open.push(a, b);
  return [a, b];
}

describe('two journals on one SQLite file', () => {
  for (const writer of ['inline', 'thread'] as const) {
    it(`keeps both processes' changes to one session (${writer} writer)`, async () => {
      const [a, b] = await two(writer);
      await a.createSession({ id: 's', protocolVersion: '2025-11-25', ttlMs: null });
      await a.flush();
      // Both read the session as it is, then change it; neither sees the other's change first.
      await Promise.all([
        a.bindSession('s', 'fs', 'w1'),
        b.bindSession('s', 'db', 'w2'),
        a.updateSessionState('s', { logLevel: 'debug' }),
        b.updateSessionState('s', { subscriptions: { k: 'u' } }),
        b.touchSession('s'),
      ]);
      await Promise.all([a.flush(), b.flush()]);
      for (const j of [a, b]) {
        const s = await j.getSession('s');
        expect(s?.bindings).toEqual({ fs: 'w1', db: 'w2' });
        expect(s?.state).toEqual({ logLevel: 'debug', subscriptions: { k: 'u' } });
      }
    });
  }

  it('a change from one does not bring back a session the other deleted', async () => {
    const [a, b] = await two('inline');
    await a.createSession({ id: 'gone', protocolVersion: '2025-11-25', ttlMs: null });
    await a.flush();
    expect(await b.getSession('gone')).toBeDefined();
    await Promise.all([a.deleteSession('gone'), b.bindSession('gone', 'fs', 'w1')]);
    await Promise.all([a.flush(), b.flush()]);
    expect(await a.getSession('gone')).toBeUndefined();
    expect(await b.getSession('gone')).toBeUndefined();
  });
});
