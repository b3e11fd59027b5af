/**
 * thread-post: what a `postMessage` to another thread costs the gateway's event loop, by the shape
 * of what is posted — the two threads the hot path talks to.
 *
 * - Journal batch: 60 audit records (a `tools/call` and its answer each) posted to a thread the way
 *   the SQLite store hands a batch to its writer thread: message bodies as JSON text (today) against
 *   the same bodies encoded to `Uint8Array` first (before: `TextEncoder` on the caller, then a clone
 *   of each array). The thread encodes the text, as the writer does.
 * - Thread task batch: 16 `tools/call` requests as JSON text in one flat array (worker-pool's batch
 *   of `[op, id, name, payload]`) against the same requests as objects.
 *
 * - Pool task with a signal of its own: a worker-pool thread pool, 64 tasks in flight, each with
 *   flow-balancer's `Cancellation` (what the coordinator gives each forwarded call) against an
 *   `AbortController` (before): the process's CPU per task (every thread: the collector's too).
 *
 * Post time is the caller's: building the message and the `postMessage` call (the clone), per batch,
 * with the thread kept awake (posts a few in a row) so a thread's wake-up does not drown the clone.
 * Each contender's best of alternating rounds; ratio = other ÷ ours (> 1: ours is cheaper).
 */
import { fileURLToPath } from 'node:url';
import { Cancellation, type CancelSignal } from '@switchyard/flow-balancer';
import { packBatch } from '@switchyard/journal/commit-wire';
import { WorkerPoolManager } from '@switchyard/worker-pool';
import type { BenchSuite, Figure, SuiteContext } from '../harness.ts';

const WORKER_SOURCE = `
const encoder = new TextEncoder();
onmessage = (event) => {
  const m = event.data;
  if (m && m.type === 'commit') {
    for (const op of m.batch) {
      if (typeof op.request === 'string') encoder.encode(op.request);
      if (typeof op.response === 'string') encoder.encode(op.response);
    }
  }
  postMessage(0);
};`;

const REQUEST = (i: number) => ({
  jsonrpc: '2.0',
  id: i,
  method: 'tools/call',
  params: { name: 'echo', arguments: { text: `hello ${i}` } },
});
const RESPONSE = (i: number) => ({
  jsonrpc: '2.0',
  id: i,
  result: { content: [{ type: 'text', text: `hello ${i}` }] },
});
const RECORDS = 60;
const TASKS = 16;

const record = (i: number) => ({
  time: 1_765_000_000_000 + i,
  sessionId: '7c1e0b8e-3f55-4c59-9d7e-2b8f0c1d4a61',
  principal: null,
  backend: 'builtin',
  worker: 'builtin#1',
  method: 'tools/call',
  name: 'echo',
  durationMs: 0.4,
  outcome: 'ok' as const,
  error: null,
  clientId: null,
  decision: null,
  rule: null,
});

/** Microseconds per call of `post` (build + postMessage), `count` calls, a short pause every 4. */
async function usPer(post: () => void, count: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    post();
    total += performance.now() - t0;
    if (i % 4 === 3) await new Promise((r) => setTimeout(r, 1));
  }
  return (total * 1000) / count;
}

async function contest(ctx: SuiteContext, posts: (() => void)[]): Promise<number[]> {
  const count = ctx.dry ? 8 : ctx.quick ? 200 : 600;
  const best = posts.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < (ctx.dry ? 1 : 5); round++) {
    const order = round % 2 === 0 ? posts.map((_, i) => i) : posts.map((_, i) => posts.length - 1 - i);
    for (const i of order) best[i] = Math.min(best[i]!, await usPer(posts[i]!, count));
  }
  return best;
}

/** CPU µs (the whole process) per task of `count` through `pool`, 64 in flight, each with `signal()`. */
async function cpuPerTask(
  pool: WorkerPoolManager,
  count: number,
  signal: () => { signal: CancelSignal },
): Promise<number> {
  const cpu0 = process.cpuUsage();
  let started = 0;
  await new Promise<void>((resolve, reject) => {
    let done = 0;
    const one = (): void => {
      started++;
      const { signal: s } = signal();
      pool.run('inc', 1, { signal: s }).then(() => {
        if (++done === count) resolve();
        else if (started < count) one();
      }, reject);
    };
    for (let i = 0; i < Math.min(64, count); i++) one();
  });
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / count;
}

export default {
  name: 'thread-post',
  description: "a postMessage's cost on the caller's loop by shape: journal batches, thread task batches",
  async run(ctx) {
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'application/javascript' }));
    const worker = new Worker(url);
    worker.onmessage = () => {};
    const encoder = new TextEncoder();
    const figures: Figure[] = [];
    const pair = (what: string, ours: number, other: number, otherName: string) => {
      figures.push({
        name: `${what} switchyard (text)`,
        value: ours,
        unit: 'µs/batch',
        baseline: otherName,
        ratio: other / ours,
      });
      figures.push({ name: `${what} ${otherName}`, value: other, unit: 'µs/batch' });
      ctx.log(
        `${what}: ${ours.toFixed(1)} µs vs ${otherName} ${other.toFixed(1)} µs (${(other / ours).toFixed(2)}×)`,
      );
    };
    try {
      const requests = Array.from({ length: RECORDS }, (_, i) => JSON.stringify(REQUEST(i)));
      const responses = Array.from({ length: RECORDS }, (_, i) => JSON.stringify(RESPONSE(i)));
      const journalBatch = (bodies: (text: string) => unknown) => () =>
        worker.postMessage({
          type: 'commit',
          id: 1,
          batch: requests.map((request, i) => ({
            kind: 'audit',
            record: record(i),
            request: bodies(request),
            response: bodies(responses[i]!),
          })),
        });
      const [text, bytes] = await contest(ctx, [
        journalBatch((t) => t),
        journalBatch((t) => encoder.encode(t)),
      ]);
      pair(`journal batch of ${RECORDS} audit records`, text!, bytes!, 'bodies as Uint8Array (before)');

      // Audit records without bodies (the default), as the store hands them to its writer thread:
      // packed (journal's commit-wire: one JSON text of flat rows, bodies beside it) vs objects.
      const records = Array.from({ length: RECORDS }, (_, i) => record(i));
      const ops = records.map((r) => ({ kind: 'audit' as const, record: r, request: null, response: null }));
      const [packed, cloned] = await contest(ctx, [
        () => worker.postMessage({ type: 'commit', id: 1, batch: packBatch(ops) }),
        () =>
          worker.postMessage({
            type: 'commit',
            id: 1,
            batch: records.map((r) => ({ kind: 'audit', record: { ...r }, request: null, response: null })),
          }),
      ]);
      figures.push({
        name: `journal batch of ${RECORDS} audit records, no bodies switchyard (packed rows)`,
        value: packed!,
        unit: 'µs/batch',
        baseline: 'objects (before)',
        ratio: cloned! / packed!,
      });
      figures.push({
        name: `journal batch of ${RECORDS} audit records, no bodies objects (before)`,
        value: cloned!,
        unit: 'µs/batch',
      });
      ctx.log(
        `journal batch of ${RECORDS} audit records, no bodies: packed rows ${packed!.toFixed(1)} µs vs objects ${cloned!.toFixed(1)} µs (${(cloned! / packed!).toFixed(2)}×)`,
      );

      const taskTexts = Array.from({ length: TASKS }, (_, i) => JSON.stringify(REQUEST(i)));
      const taskObjects = Array.from({ length: TASKS }, (_, i) => REQUEST(i));
      const taskBatch = (payloads: unknown[]) => () => {
        const batch: unknown[] = [];
        for (let i = 0; i < payloads.length; i++) batch.push(0, i, 'mcp', payloads[i]);
        worker.postMessage(batch);
      };
      const [texts, objects] = await contest(ctx, [taskBatch(taskTexts), taskBatch(taskObjects)]);
      pair(`thread batch of ${TASKS} tasks`, texts!, objects!, 'payloads as objects');

      const pool = new WorkerPoolManager({
        kind: 'thread',
        module: fileURLToPath(new URL('../fixtures/worker-pool/inc.ts', import.meta.url)),
        min: 1,
        max: 1,
        concurrency: 64,
      });
      try {
        await pool.start();
        const count = ctx.dry ? 200 : ctx.quick ? 20_000 : 100_000;
        await cpuPerTask(pool, count, () => new Cancellation()); // warm
        const best = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
        for (let round = 0; round < (ctx.dry ? 1 : 5); round++) {
          best[0] = Math.min(best[0]!, await cpuPerTask(pool, count, () => new Cancellation()));
          best[1] = Math.min(best[1]!, await cpuPerTask(pool, count, () => new AbortController()));
        }
        const [cancellation, controller] = best;
        figures.push({
          name: 'pool task with its own signal switchyard (Cancellation)',
          value: cancellation!,
          unit: 'µs CPU/task',
          baseline: 'AbortController (before)',
          ratio: controller! / cancellation!,
        });
        figures.push({
          name: 'pool task with its own signal AbortController (before)',
          value: controller!,
          unit: 'µs CPU/task',
        });
        ctx.log(
          `pool task with its own signal: ${cancellation!.toFixed(2)} µs CPU vs AbortController ${controller!.toFixed(2)} µs (${(controller! / cancellation!).toFixed(2)}×)`,
        );
      } finally {
        await pool.stop();
      }
    } finally {
      worker.terminate();
      URL.revokeObjectURL(url);
    }
    return figures;
  },
} satisfies BenchSuite;
