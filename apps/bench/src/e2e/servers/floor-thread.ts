/**
 * The floor with one worker-thread hop: the floor's `Bun.serve` (servers/floor.ts), but each call's
 * echo runs on a worker thread, as a module tool does behind the gateway. Calls arriving in one tick
 * go to the thread in one `postMessage`, and the thread answers a batch in one — the least a thread
 * hop can cost. It measures what moving tools off the main thread costs by itself, before anything
 * of a gateway. Listens on 127.0.0.1, a free port; the first stdout line is its URL. SIGTERM stops it.
 */
import { serveFloor } from './floor-serve.ts';

const THREAD = `
self.onmessage = (event) => {
  const out = [];
  for (const [n, text] of event.data) out.push([n, { content: [{ type: 'text', text }] }]);
  postMessage(out);
};`;
const worker = new Worker(URL.createObjectURL(new Blob([THREAD], { type: 'application/javascript' })));
const waiting = new Map<number, (result: unknown) => void>();
let next = 0;
let batch: [number, string][] = [];
worker.onmessage = (event: MessageEvent<[number, unknown][]>) => {
  for (const [n, result] of event.data) {
    const resolve = waiting.get(n);
    waiting.delete(n);
    resolve?.(result);
  }
};
const flush = () => {
  const sent = batch;
  batch = [];
  worker.postMessage(sent);
};
const onThread = (text: string): Promise<unknown> =>
  new Promise((resolve) => {
    const n = next++;
    waiting.set(n, resolve);
    if (batch.push([n, text]) === 1) queueMicrotask(flush);
  });

serveFloor(
  (call) =>
    call.params?.name === 'echo'
      ? onThread(String(call.params.arguments?.text ?? '')).then((result) => ({ result }))
      : undefined,
  () => worker.terminate(),
);
