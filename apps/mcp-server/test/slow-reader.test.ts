/**
 * A connection that does not read its SSE stream is dropped once the messages held for it pass
 * `bufferedBytesPerStream` — that stream only, never the process; the journal still holds every
 * event, so the client may resume with `Last-Event-ID`. A real journal (SQLite) under the streams.
 */
import { join } from 'node:path';
import type { JsonRpcMessage } from '@switchyard/coordinator';
import { createJournal, sqliteDriver } from '@switchyard/journal';
import { describe, expect, it } from 'vitest';
import { ResumableStreams } from '../src/http/resumable.ts';
import { tempDir } from './support/gateway.ts';

/** `n` notifications of about `size` bytes each, then the end. */
async function* messages(n: number, size: number): AsyncGenerator<JsonRpcMessage> {
  for (let i = 0; i < n; i++) {
    yield {
      jsonrpc: '2.0',
      method: 'notifications/message',
      params: { level: 'info', data: 'x'.repeat(size) },
    };
  }
}

describe('a slow reader', () => {
  it('is dropped past bufferedBytesPerStream; a reader that keeps up is not; the journal keeps all', async () => {
    const journal = await createJournal({ driver: sqliteDriver({ path: join(await tempDir(), 'j.db') }) });
    try {
      const dropped: string[] = [];
      const streams = new ResumableStreams(journal, {
        bufferedBytesPerStream: 10_000,
        onSlowReader: (id) => dropped.push(id),
      });
      // Nobody reads: 50 messages of 1 kB pass the 10 kB bound.
      const idle = streams.open('s1', messages(50, 1_000)[Symbol.asyncIterator](), [], 'get');
      for (let i = 0; i < 500 && dropped.length === 0; i++) await Bun.sleep(10);
      expect(dropped).toEqual(['s1.get']);
      // The dropped connection's stream has ended, with nothing held.
      expect(await idle.next()).toEqual({ value: undefined, done: true });
      // The source ran to its end, journaled: a resume after the first event replays the other 49.
      let after: unknown[] = [];
      for (let i = 0; i < 500 && after.length < 49; i++) {
        after = await journal.readAfter('s1.get', 's1.get#1');
        if (after.length < 49) await Bun.sleep(10);
      }
      expect(after).toHaveLength(49);

      // A reader that keeps up gets all 50 and is never dropped.
      const read = streams.open('s2', messages(50, 1_000)[Symbol.asyncIterator](), [], 'get');
      let count = 0;
      for (;;) {
        const next = await read.next();
        if (next.done) break;
        count++;
      }
      expect(count).toBe(50);
      expect(dropped).toEqual(['s1.get']);
    } finally {
      await journal.close();
    }
  });
});
