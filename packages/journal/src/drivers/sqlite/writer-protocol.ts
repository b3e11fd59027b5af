/** The messages between `ThreadWriter` (the store's side) and `writer-thread.ts`. */
import type { WireBatch } from './commit-wire.ts';
import type { OpenOptions } from './open.ts';
import type { WriterOptions } from './writer.ts';

export type ToWriter =
  | { type: 'open'; path: string; open: OpenOptions; writer: WriterOptions }
  /** A batch, as `packBatch` made it. */
  | { type: 'commit'; id: number; batch: WireBatch }
  | { type: 'close' };

export type FromWriter =
  | { type: 'opened' }
  | { type: 'open-failed'; error: { name: string; message: string } }
  | { type: 'committed'; id: number }
  | { type: 'failed'; id: number; error: { name: string; message: string } }
  | { type: 'closed' };
