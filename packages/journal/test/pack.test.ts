/**
 * The npm tarball works on its own: packed, installed into a fresh project outside the repo, and
 * imported by name under Bun, it writes an event to a SQLite journal and reads it back.
 */
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { packInstallAndRun, rootLicense, tarballProblems } from '../../../tooling/testing/pack.ts';

it('installs from its tarball and journals to a SQLite file', { timeout: 120_000 }, () => {
  const script = `
    import { mkdtempSync, rmSync } from 'node:fs';
    import { tmpdir } from 'node:os';
    import { join } from 'node:path';
    import { createJournal, sqliteDriver, isJournalInvalidEventIdError } from '@switchyard/journal';

    const dir = mkdtempSync(join(tmpdir(), 'journal-pack-'));
    try {
      const path = join(dir, 'journal.db');
      let journal = await createJournal({ driver: sqliteDriver({ path }) });
      const id = await journal.append('stream-1', JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress' }));
      await journal.close();
      journal = await createJournal({ driver: sqliteDriver({ path }) });
      const events = await journal.readAfter('stream-1');
      let refused = false;
      try { await journal.readAfter('stream-1', 'other#1'); } catch (e) { refused = isJournalInvalidEventIdError(e); }
      await journal.close();
      console.log(JSON.stringify({ id, events, refused }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  `;
  const { stdout, files, license } = packInstallAndRun(resolve(import.meta.dirname, '..'), script, 'bun');
  const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    id: string;
    events: Array<{ id: string; data: string }>;
    refused: boolean;
  };
  expect(out.id).toBe('stream-1#1');
  expect(out.events.map((e) => [e.id, JSON.parse(e.data).method])).toEqual([
    ['stream-1#1', 'notifications/progress'],
  ]);
  expect(out.refused).toBe(true);
  expect(tarballProblems(files, ['package/dist/drivers/sqlite/store.js'])).toEqual([]);
  expect(license).toBe(rootLicense);
});
