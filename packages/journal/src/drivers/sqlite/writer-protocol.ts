/** The messages between `ThreadWriter` (the store's side) and `writer-thread.ts`. */
import type { OpenOptions } from './open.ts';
import type { Op } from './ops.ts';
import type { WriterOptions } from './writer.ts';

export type ToWriter =
  | { type: 'open'; path: string; open: OpenOptions; writer: WriterOptions }
  | { type: 'commit'; id: number; batch: Op[] }
  | { type: 'close' };

export type FromWriter =
  | { type: 'opened' }
  | { type: 'open-failed'; error: { name: string; message: string } }
  | { type: 'committed'; id: number }
  | { type: 'failed'; id: number; error: { name: string; message: string } }
  | { type: 'closed' };
