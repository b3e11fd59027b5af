/**
 * What the gateway's main thread (`span-shipper.ts`) and its span thread (`span-thread.ts`) say
 * to each other. Spans travel as a bare string (a batch of packed spans' JSON, `span-pack.ts`);
 * everything else is one of these.
 */
import type { SpanBatchesOptions } from './span-batches.ts';
import type { SpanExporterOptions } from './span-exporter.ts';

/** Main → span thread. */
export type ToSpanThread =
  /** The first message: where and how to export. */
  | {
      kind: 'start';
      exporter: SpanExporterOptions;
      batches: Omit<SpanBatchesOptions, 'post'>;
    }
  /** Export every span received so far; answered with `done` and the same `id`. */
  | { kind: 'flush'; id: number }
  /** Flush, then stop exporting; answered with `done`. */
  | { kind: 'stop'; id: number };

/** Span thread → main: `id`'s flush or stop is over; spans dropped so far (a full queue). */
export interface FromSpanThread {
  kind: 'done';
  id: number;
  dropped: number;
}
