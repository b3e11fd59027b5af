/**
 * Durability: a writer process is killed with SIGKILL while writing; the file must reopen cleanly
 * and hold every record whose flush() had resolved (and nothing out of order).
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJournal, sqliteDriver } from '../src/index.ts';
import { tempDir } from './helpers.ts';

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.remove());

describe.each(['inline', 'thread'] as const)('writer %s', (writer) => {
  it('keeps every flushed record when the writer is killed mid-write', async () => {
    const path = dir.file('journal.db');
    const child = Bun.spawn(
      [process.execPath, join(import.meta.dirname, 'fixtures', 'kill-writer.ts'), path, writer],
      {
        stdout: 'pipe',
        stderr: 'pipe',
      },
    );
    const decoder = new TextDecoder();
    let output = '';
    const reader = child.stdout.getReader();
    // Let it write for a while, then kill it at an arbitrary point of its loop.
    while (!/flushed (\d{4,})/.test(output)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`writer exited early: ${await new Response(child.stderr).text()}`);
      output += decoder.decode(value, { stream: true });
    }
    await new Promise((r) => setTimeout(r, Math.random() * 20));
    child.kill('SIGKILL');
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      output += decoder.decode(value, { stream: true });
    }
    expect(await child.exited).not.toBe(0);
    expect(child.signalCode).toBe('SIGKILL');

    const counts = [...output.matchAll(/flushed (\d+)/g)].map((m) => Number(m[1]));
    const flushed = counts.at(-1)!;
    expect(flushed).toBeGreaterThanOrEqual(1000);

    const journal = await createJournal({ driver: sqliteDriver({ path, integrityCheck: 'full' }) });
    try {
      const events = await journal.readAfter('kill', undefined, { limit: 100_000 });
      expect(events.length).toBeGreaterThanOrEqual(flushed);
      events.forEach((e, i) => {
        expect(e.seq).toBe(i + 1);
        expect((JSON.parse(e.data) as { n: number }).n).toBe(i + 1);
      });
      const audit = await journal.queryAudit({ limit: 100_000 });
      expect(audit.length).toBeGreaterThanOrEqual(Math.floor(flushed / 10));
      // A new writer continues the stream where the file left it.
      expect(await journal.append('kill', '{"after":"restart"}')).toBe(`kill#${events.length + 1}`);
    } finally {
      await journal.close();
    }
  });
});
