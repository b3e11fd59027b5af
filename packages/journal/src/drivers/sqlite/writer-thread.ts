/**
 * The journal's writer thread (`writer: 'thread'`): its own connection to the journal file and a
 * `BatchWriter`, so that compression and SQLite's writes run beside the caller's event loop instead
 * of on it. Speaks `writer-protocol.ts` with `ThreadWriter`.
 */
import type { Database } from 'bun:sqlite';
import { unpackBatch } from './commit-wire.ts';
import { openDatabase } from './open.ts';
import { BatchWriter } from './writer.ts';
import type { FromWriter, ToWriter } from './writer-protocol.ts';

declare const self: {
  onmessage: ((event: MessageEvent<ToWriter>) => void) | null;
  postMessage(m: FromWriter): void;
};

let db: Database | undefined;
let writer: BatchWriter | undefined;

function failure(error: unknown): { name: string; message: string } {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'Error', message: String(error) };
}

self.onmessage = (event) => {
  const m = event.data;
  switch (m.type) {
    case 'open':
      try {
        // The caller opened (and checked, and migrated) the file first: no second integrity check.
        db = openDatabase(m.path, { ...m.open, integrityCheck: 'off' });
        writer = new BatchWriter(db, m.writer);
        self.postMessage({ type: 'opened' });
      } catch (error) {
        self.postMessage({ type: 'open-failed', error: failure(error) });
      }
      return;
    case 'commit':
      try {
        writer!.commit(unpackBatch(m.batch));
        self.postMessage({ type: 'committed', id: m.id });
      } catch (error) {
        self.postMessage({ type: 'failed', id: m.id, error: failure(error) });
      }
      return;
    case 'close':
      try {
        writer?.finish();
      } catch {
        // Closing goes on: what was committed is in the file.
      }
      db?.close(true);
      self.postMessage({ type: 'closed' });
  }
};
