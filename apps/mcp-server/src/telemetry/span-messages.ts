/**
 * What the gateway's main thread (`span-shipper.ts`) and its span thread (`span-thread.ts`) say
 * to each other. Spans travel as a bare string (a batch of packed spans' JSON, `span-pack.ts`),
 * each acknowledged with `took` once read; everything else is one of these.
 */
import type { RequestEnvelope } from './request-envelope.ts';
import type { SpanExporterOptions } from './span-exporter.ts';

/** How export requests are written: OTLP/HTTP protobuf (the spec's default) or JSON. */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

export const OTLP_PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json'];

/** Main → span thread. */
export type ToSpanThread =
  /** The first message: where and how to export. */
  | {
      kind: 'start';
      protocol: OtlpProtocol;
      exporter: Omit<SpanExporterOptions, 'contentType'>;
      envelope: RequestEnvelope;
      batches: { maxQueue?: number; maxBatch?: number; delayMs?: number };
    }
  /** Export every span received so far; answered with `done` and the same `id`. */
  | { kind: 'flush'; id: number }
  /** Flush, then stop exporting; answered with `done`. */
  | { kind: 'stop'; id: number };

/**
 * Span thread → main: a batch of spans was read (`took`), or `id`'s flush or stop is over
 * (`done`); with the spans dropped so far (a full queue).
 */
export type FromSpanThread =
  | { kind: 'took'; dropped: number }
  | { kind: 'done'; id: number; dropped: number };
