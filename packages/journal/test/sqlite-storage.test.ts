/**
 * How the SQLite driver stores payloads (codec per row, blocks, their lifetime) and gives space
 * back (retention with incremental vacuum), checked against the file itself.
 */
import { Database } from 'bun:sqlite';
import { statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJournal, type Journal, type SqliteDriverOptions, sqliteDriver } from '../src/index.ts';
import { ManualClock, noise, tempDir } from './helpers.ts';

let dir: ReturnType<typeof tempDir>;
let path: string;
let clock: ManualClock;
const open: Journal[] = [];

async function journalWith(
  options: Omit<SqliteDriverOptions, 'path'> = {},
  maxAgeMs?: number,
): Promise<Journal> {
  const j = await createJournal({
    driver: sqliteDriver({ path, ...options }),
    clock,
    retention: maxAgeMs === undefined ? {} : { maxAgeMs },
  });
  open.push(j);
  return j;
}

function inspect<T>(query: (db: Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return query(db);
  } finally {
    db.close();
  }
}

const codecCounts = () =>
  inspect((db) =>
    Object.fromEntries(
      (
        db.query('SELECT codec, count(*) AS n FROM payloads GROUP BY codec').all() as Array<{
          codec: number;
          n: number;
        }>
      ).map((r) => [r.codec, r.n]),
    ),
  );

/** A JSON-RPC result of about `bytes` bytes, repetitive the way real ones are. */
function toolResult(id: number, bytes: number): string {
  const items: unknown[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const item = {
      id: id * 1000 + i,
      title: `Issue ${i} about the ${i % 7 === 0 ? 'parser' : 'router'}`,
      state: 'open',
    };
    size += JSON.stringify(item).length + 1;
    items.push(item);
  }
  return JSON.stringify({ jsonrpc: '2.0', id, result: { structuredContent: { items } } });
}

beforeEach(() => {
  dir = tempDir();
  path = dir.file('journal.db');
  clock = new ManualClock();
});
afterEach(async () => {
  for (const j of open.splice(0)) await j.close();
  dir.remove();
});

describe('compression', () => {
  it('stages small payloads across commits, then packs them into a zstd block; large ones get their own frame', async () => {
    const j = await journalWith({ compression: { blockBytes: 8192, frameBytes: 4096, level: 3 } });
    const small = Array.from({ length: 12 }, (_, i) => toolResult(i, 900));
    const staged = () =>
      inspect((db) => db.query('SELECT count(*) AS n FROM staged').get() as { n: number }).n;
    for (const text of small.slice(0, 4)) await j.append('s', text);
    await j.flush();
    expect(codecCounts()).toEqual({ 0: 4 });
    expect(staged()).toBe(4);
    expect((await j.readAfter('s')).map((e) => e.data)).toEqual(small.slice(0, 4));

    for (const text of small.slice(4)) await j.append('s', text);
    const large = toolResult(99, 20_000);
    await j.append('s', large);
    await j.audit({ method: 'tools/call', durationMs: 1, outcome: 'ok', request: small[0], response: large });
    await j.flush();
    // Staged and new small payloads went into blocks together; nothing is left staged.
    expect(codecCounts()).toEqual({ 1: 2, 2: 13 });
    expect(staged()).toBe(0);
    const blocks = inspect(
      (db) =>
        db.query('SELECT raw_size, refs, length(data) AS stored FROM blocks').all() as Array<{
          raw_size: number;
          refs: number;
          stored: number;
        }>,
    );
    expect(blocks.reduce((n, b) => n + b.refs, 0)).toBe(13);
    for (const block of blocks) {
      expect(block.raw_size).toBeGreaterThanOrEqual(8192);
      expect(block.stored * 3).toBeLessThan(block.raw_size);
    }

    expect((await j.readAfter('s')).map((e) => e.data)).toEqual([...small, large]);
    expect(await j.queryAudit()).toMatchObject([{ request: small[0], response: large }]);
  });

  it('packs what is still staged when it closes', async () => {
    const j = await journalWith();
    const texts = [toolResult(1, 800), toolResult(2, 800)];
    for (const text of texts) await j.append('s', text);
    await j.flush();
    expect(codecCounts()).toEqual({ 0: 2 });
    await j.close();
    expect(codecCounts()).toEqual({ 2: 2 });
    expect(inspect((db) => db.query('SELECT count(*) AS n FROM staged').get())).toEqual({ n: 0 });
    const again = await journalWith();
    expect((await again.readAfter('s')).map((e) => e.data)).toEqual(texts);
  });

  it('keeps old rows readable when the setting changes: compressed rows with compression off, and back', async () => {
    const first = await journalWith({ compression: { blockBytes: 4096, frameBytes: 2048 } });
    const texts = Array.from({ length: 10 }, (_, i) => toolResult(i, i === 9 ? 5000 : 700));
    for (const text of texts) await first.append('s', text);
    await first.close();
    expect(codecCounts()[2]).toBeGreaterThan(0);

    const plain = await journalWith({ compression: false });
    expect((await plain.readAfter('s')).map((e) => e.data)).toEqual(texts);
    await plain.append('s', '{"plain":true}');
    await plain.close();
    expect(codecCounts()[3]).toBe(1);

    const again = await journalWith();
    expect((await again.readAfter('s')).map((e) => e.data)).toEqual([...texts, '{"plain":true}']);
  });

  it('keeps a block while any row points into it and deletes it with the last one', async () => {
    const j = await journalWith({ compression: { blockBytes: 4096, frameBytes: 4096 } });
    await j.createSession({ id: 'A', protocolVersion: '2025-06-18' });
    await j.createSession({ id: 'B', protocolVersion: '2025-06-18' });
    for (let i = 0; i < 8; i++) {
      await j.append('a', toolResult(i, 600), { sessionId: 'A' });
      await j.append('b', toolResult(i + 100, 600), { sessionId: 'B' });
    }
    await j.flush();
    const blocks = () =>
      inspect((db) => db.query('SELECT id, refs FROM blocks').all() as Array<{ refs: number }>);
    const before = blocks();
    expect(before.length).toBeGreaterThan(0);

    await j.deleteSession('A');
    await j.flush();
    const during = blocks();
    expect(during.length).toBe(before.length);
    expect(during.reduce((n, b) => n + b.refs, 0)).toBeLessThan(before.reduce((n, b) => n + b.refs, 0));
    expect((await j.readAfter('b')).map((e) => e.data)).toEqual(
      Array.from({ length: 8 }, (_, i) => toolResult(i + 100, 600)),
    );

    await j.deleteSession('B');
    await j.flush();
    expect(blocks()).toEqual([]);
    expect(inspect((db) => db.query('SELECT count(*) AS n FROM payloads').get())).toEqual({ n: 0 });
  });
});

describe('retention and vacuum', () => {
  it('creates the file with auto_vacuum = INCREMENTAL and WAL', async () => {
    await journalWith();
    const pragmas = inspect((db) => ({
      autoVacuum: (db.query('PRAGMA auto_vacuum').get() as { auto_vacuum: number }).auto_vacuum,
      journalMode: (db.query('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode,
    }));
    expect(pragmas).toEqual({ autoVacuum: 2, journalMode: 'wal' });
  });

  it('shrinks the file once old records are deleted', async () => {
    const j = await journalWith({}, 60_000);
    for (let i = 0; i < 300; i++) {
      await j.append(`s${i % 4}`, noise(5000, i + 1));
      if (i % 5 === 0)
        await j.audit({ method: 'tools/call', durationMs: 1, outcome: 'ok', response: noise(3000, i) });
    }
    const kept = await j.retain();
    expect(kept.eventsDeleted).toBe(0);
    const before = statSync(path).size;
    expect(before).toBeGreaterThan(1_000_000);
    expect(kept.bytesAfter).toBe(before);

    clock.advance(120_000);
    const survivor = await j.append('s0', '{"new":true}');
    const report = await j.retain();
    expect(report).toMatchObject({ eventsDeleted: 300, auditDeleted: 60, bytesBefore: before });
    const after = statSync(path).size;
    expect(report.bytesAfter).toBe(after);
    expect(after * 5).toBeLessThan(before);
    expect(statSync(`${path}-wal`).size).toBe(0);
    expect((await j.readAfter('s0')).map((e) => e.id)).toEqual([survivor]);
  });
});
