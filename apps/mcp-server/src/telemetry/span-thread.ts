/**
 * The span thread: a worker of the gateway's (started by `span-shipper.ts`) that writes the OTLP
 * JSON of the spans the main thread ended (`span-pack.ts` → `span-json.ts`), batches them
 * (`span-batches.ts`) and POSTs them to the collector (`span-exporter.ts`) — all of a span's cost
 * past its recording, off the event loop that serves the gateway's requests.
 */

import { SpanBatches } from './span-batches.ts';
import { JsonSpanExporter } from './span-exporter.ts';
import type { FromSpanThread, ToSpanThread } from './span-messages.ts';
import { type Packed, SpanUnpacker } from './span-pack.ts';

declare const self: Worker;

let exporter: JsonSpanExporter | undefined;
let batches: SpanBatches | undefined;
const unpacker = new SpanUnpacker();

function done(id: number): void {
  const message: FromSpanThread = { kind: 'done', id, dropped: batches?.dropped ?? 0 };
  self.postMessage(message);
}

self.onmessage = (event: MessageEvent<string | ToSpanThread>) => {
  const { data } = event;
  if (typeof data === 'string') {
    const into = batches;
    if (into !== undefined) unpacker.spansJson(JSON.parse(data) as Packed, (json) => into.add(json));
    return;
  }
  switch (data.kind) {
    case 'start': {
      const out = new JsonSpanExporter(data.exporter);
      exporter = out;
      batches = new SpanBatches({ ...data.batches, post: (body) => out.post(body) });
      return;
    }
    case 'flush':
      void (batches?.flush() ?? Promise.resolve()).then(() => done(data.id));
      return;
    case 'stop':
      void (async () => {
        await batches?.shutdown();
        await exporter?.shutdown();
        done(data.id);
      })();
      return;
  }
};
