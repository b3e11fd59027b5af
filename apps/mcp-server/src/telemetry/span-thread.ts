/**
 * The span thread: a worker of the gateway's (started by `span-shipper.ts`) that reads the spans
 * the main thread ended (`span-pack.ts`), writes them into OTLP export requests — protobuf
 * (`request-protobuf.ts`) or JSON (`request-json.ts`) — in batches (`span-batches.ts`) and POSTs
 * them to the collector (`span-exporter.ts`): all of a span's cost past its recording, off the
 * event loop that serves the gateway's requests. Each batch the main thread sends is acknowledged
 * once read, so the main thread can bound what it has sent and not yet seen read.
 */

import { JsonRequestWriter } from './request-json.ts';
import { ProtobufRequestWriter } from './request-protobuf.ts';
import { SpanBatches } from './span-batches.ts';
import { OtlpSpanExporter } from './span-exporter.ts';
import type { FromSpanThread, ToSpanThread } from './span-messages.ts';
import { type Packed, SpanUnpacker } from './span-pack.ts';
import type { UnpackedSpan } from './span-record.ts';

declare const self: Worker;

let exporter: OtlpSpanExporter | undefined;
let batches: SpanBatches<UnpackedSpan, string | Uint8Array> | undefined;
const unpacker = new SpanUnpacker();

function answer(message: FromSpanThread): void {
  self.postMessage(message);
}

self.onmessage = (event: MessageEvent<string | ToSpanThread>) => {
  const { data } = event;
  if (typeof data === 'string') {
    const into = batches;
    if (into !== undefined) unpacker.unpack(JSON.parse(data) as Packed, (span) => into.add(span));
    answer({ kind: 'took', dropped: batches?.dropped ?? 0 });
    return;
  }
  switch (data.kind) {
    case 'start': {
      const protobuf = data.protocol === 'http/protobuf';
      const out = new OtlpSpanExporter({
        ...data.exporter,
        contentType: protobuf ? 'application/x-protobuf' : 'application/json',
      });
      exporter = out;
      batches = new SpanBatches<UnpackedSpan, string | Uint8Array>({
        ...data.batches,
        writer: protobuf ? new ProtobufRequestWriter(data.envelope) : new JsonRequestWriter(data.envelope),
        post: (body) => out.post(body),
      });
      return;
    }
    case 'flush':
      void (batches?.flush() ?? Promise.resolve()).then(() =>
        answer({ kind: 'done', id: data.id, dropped: batches?.dropped ?? 0 }),
      );
      return;
    case 'stop':
      void (async () => {
        await batches?.shutdown();
        await exporter?.shutdown();
        answer({ kind: 'done', id: data.id, dropped: batches?.dropped ?? 0 });
      })();
      return;
  }
};
