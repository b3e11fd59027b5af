/**
 * worker-pool: dispatch cost of tiny tasks through Switchyard's WorkerPoolManager, against the
 * peers a user would pick instead (piscina, tinypool, poolifier, each set up with several tasks in
 * flight per worker) and against the floors (a bare Worker ping-pong; a bare Bun.spawn pipe).
 *
 * Threads: `x => x + 1` on 2 workers, 64 tasks in flight, and one at a time.
 * Processes: JSON-RPC echo on 1 process, 64 requests in flight; tinypool's child_process runtime.
 */
import { fileURLToPath } from 'node:url';
import { WorkerPoolManager, type WorkerPoolOptions } from '@switchyard/worker-pool';
import { Piscina } from 'piscina';
import { FixedThreadPool } from 'poolifier';
import { Tinypool } from 'tinypool';
import type { BenchSuite, Figure, SuiteContext } from '../harness.ts';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/worker-pool/${name}`, import.meta.url));

const THREADS = 2;
const IN_FLIGHT = 64;

interface Run {
  opsPerSec: number;
  p50: number;
  p99: number;
}

/** Runs `total` calls of `call`, keeping `window` in flight; ops/s and per-call latency (ms). */
async function drive(total: number, window: number, call: (i: number) => Promise<unknown>): Promise<Run> {
  const lat = new Float64Array(total);
  let next = 0;
  let done = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const launch = (): void => {
      while (next < total && next - done < window) {
        const i = next++;
        const s = performance.now();
        call(i).then(() => {
          lat[i] = performance.now() - s;
          done++;
          if (done === total) resolve();
          else launch();
        }, reject);
      }
    };
    launch();
  });
  const elapsed = performance.now() - t0;
  lat.sort();
  return {
    opsPerSec: total / (elapsed / 1000),
    p50: lat[Math.floor(total * 0.5)]!,
    p99: lat[Math.min(total - 1, Math.floor(total * 0.99))]!,
  };
}

interface Subject {
  name: string;
  setup(): Promise<(i: number) => Promise<unknown>>;
  teardown(): Promise<void>;
}

/** A Switchyard pool calling `method`, started before the clock runs. */
function switchyard(options: WorkerPoolOptions, method: string): Subject {
  let pool: WorkerPoolManager | undefined;
  return {
    name: 'switchyard',
    async setup() {
      const p = new WorkerPoolManager(options);
      pool = p;
      await p.start();
      return (i) => p.run(method, i);
    },
    teardown: async () => pool?.stop({ timeoutMs: 0 }),
  };
}

const switchyardThreads = (): Subject =>
  switchyard(
    {
      kind: 'thread',
      module: fixture('inc.ts'),
      min: THREADS,
      max: THREADS,
      concurrency: IN_FLIGHT / THREADS,
      maxQueue: 1_000_000,
    },
    'inc',
  );

function piscina(): Subject {
  let pool: Piscina | undefined;
  return {
    name: 'piscina',
    async setup() {
      const p = new Piscina({
        filename: fixture('inc.ts'),
        minThreads: THREADS,
        maxThreads: THREADS,
        concurrentTasksPerWorker: IN_FLIGHT / THREADS,
        idleTimeout: 60_000,
      });
      pool = p;
      return (i) => p.run(i);
    },
    teardown: async () => pool?.destroy(),
  };
}

function tinypool(): Subject {
  let pool: Tinypool | undefined;
  return {
    name: 'tinypool',
    async setup() {
      const p = new Tinypool({
        filename: fixture('inc.ts'),
        minThreads: THREADS,
        maxThreads: THREADS,
        concurrentTasksPerWorker: IN_FLIGHT / THREADS,
        isolateWorkers: false,
      });
      pool = p;
      return (i) => p.run(i);
    },
    teardown: async () => pool?.destroy(),
  };
}

function poolifier(): Subject {
  let pool: FixedThreadPool<number, number> | undefined;
  return {
    name: 'poolifier',
    async setup() {
      const p = new FixedThreadPool<number, number>(THREADS, fixture('inc-poolifier.ts'), {
        enableTasksQueue: true,
        tasksQueueOptions: { concurrency: IN_FLIGHT / THREADS },
      });
      pool = p;
      return (i) => p.execute(i);
    },
    teardown: async () => pool?.destroy(),
  };
}

/**
 * The floor: bare Workers, one postMessage per task each way, answers in order. Each task goes to
 * the worker with the fewest waiting, ties to the first (so one at a time stays on one awake thread).
 */
function rawWorkers(): Subject {
  interface Raw {
    worker: Worker;
    waiting: ((v: number) => void)[];
    head: number;
  }
  const raws: Raw[] = [];
  const send = (r: Raw, x: number) =>
    new Promise<number>((resolve) => {
      r.waiting.push(resolve);
      r.worker.postMessage(x);
    });
  return {
    name: 'raw Worker',
    async setup() {
      for (let w = 0; w < THREADS; w++) {
        const r: Raw = { worker: new Worker(fixture('raw-worker.ts')), waiting: [], head: 0 };
        r.worker.onmessage = (e: MessageEvent<number>) => {
          const resolve = r.waiting[r.head]!;
          r.head++;
          if (r.head === r.waiting.length) {
            r.waiting.length = 0;
            r.head = 0;
          }
          resolve(e.data);
        };
        raws.push(r);
      }
      await Promise.all(raws.map((r) => send(r, 0))); // both up
      return (i) => {
        let best = raws[0]!;
        for (const r of raws) if (r.waiting.length - r.head < best.waiting.length - best.head) best = r;
        return send(best, i);
      };
    },
    teardown: async () => {
      for (const r of raws.splice(0)) r.worker.terminate();
    },
  };
}

const switchyardProcess = (): Subject =>
  switchyard(
    {
      kind: 'process',
      command: process.execPath,
      args: [fixture('echo-server.ts')],
      min: 1,
      max: 1,
      concurrency: IN_FLIGHT,
      maxQueue: 1_000_000,
    },
    'echo',
  );

function tinypoolProcess(): Subject {
  let pool: Tinypool | undefined;
  return {
    name: 'tinypool child_process',
    async setup() {
      const p = new Tinypool({
        runtime: 'child_process',
        filename: fixture('echo-child.ts'),
        minThreads: 1,
        maxThreads: 1,
        concurrentTasksPerWorker: IN_FLIGHT,
        isolateWorkers: false,
      });
      pool = p;
      await p.run(0); // warm: the child is forked on first use
      return (i) => p.run(i);
    },
    teardown: async () => pool?.destroy(),
  };
}

/** The floor: one Bun.spawn'ed echo server, lines written and read with nothing in between. */
function rawPipe(): Subject {
  let child: ReturnType<typeof Bun.spawn<'pipe', 'pipe', 'inherit'>> | undefined;
  return {
    name: 'raw Bun.spawn pipe',
    async setup() {
      const c = Bun.spawn({
        cmd: [process.execPath, fixture('echo-server.ts')],
        stdin: 'pipe',
        stdout: 'pipe',
        stderr: 'inherit',
      });
      child = c;
      const pending = new Map<number, (v: unknown) => void>();
      void (async () => {
        const decoder = new TextDecoder();
        let buf = '';
        for await (const chunk of c.stdout) {
          buf += decoder.decode(chunk, { stream: true });
          let start = 0;
          for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n', start)) {
            const m = JSON.parse(buf.slice(start, nl)) as { id: number; result: unknown };
            start = nl + 1;
            const r = pending.get(m.id);
            pending.delete(m.id);
            r?.(m.result);
          }
          buf = buf.slice(start);
        }
      })();
      let out = '';
      let queued = false;
      const flush = () => {
        queued = false;
        c.stdin.write(out);
        c.stdin.flush();
        out = '';
      };
      let id = 0;
      const call = (x: number) =>
        new Promise((resolve) => {
          const n = ++id;
          pending.set(n, resolve);
          out += `{"jsonrpc":"2.0","id":${n},"method":"echo","params":${x}}\n`;
          if (!queued) {
            queued = true;
            queueMicrotask(flush);
          }
        });
      await call(0);
      return call;
    },
    teardown: async () => {
      child?.stdin.end();
      child?.kill();
      await child?.exited;
    },
  };
}

interface Measured {
  subject: string;
  run?: Run;
  error?: string;
}

async function measure(
  ctx: SuiteContext,
  subject: Subject,
  total: number,
  window: number,
  label: string,
): Promise<Measured> {
  try {
    const call = await subject.setup();
    await drive(Math.min(2000, total), window, call); // warm-up
    const run = await drive(total, window, call);
    ctx.log(
      `${label} ${subject.name}: ${Math.round(run.opsPerSec).toLocaleString('en-US')} ops/s, p50 ${run.p50.toFixed(3)} ms, p99 ${run.p99.toFixed(3)} ms`,
    );
    return { subject: subject.name, run };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    ctx.log(`${label} ${subject.name}: FAILED under Bun: ${error}`);
    return { subject: subject.name, error };
  } finally {
    await subject.teardown().catch(() => {});
  }
}

/** Figures of one scenario: each subject's ops/s and latencies; Switchyard's ratio to the best peer and to the floor. */
function figuresOf(label: string, results: Measured[], floorName: string): Figure[] {
  const figures: Figure[] = [];
  const ours = results.find((r) => r.subject === 'switchyard')?.run;
  const floor = results.find((r) => r.subject === floorName)?.run;
  const peers = results.filter((r) => r.subject !== 'switchyard' && r.subject !== floorName && r.run);
  const best = peers.sort((a, b) => b.run!.opsPerSec - a.run!.opsPerSec)[0];
  for (const r of results) {
    if (!r.run) {
      figures.push({
        name: `${label} ${r.subject} (failed under Bun: ${r.error})`,
        value: Number.NaN,
        unit: 'ops/s',
      });
      continue;
    }
    const base: Figure = { name: `${label} ${r.subject}`, value: r.run.opsPerSec, unit: 'ops/s' };
    if (r.subject === 'switchyard' && best?.run) {
      base.baseline = `best peer: ${best.subject}`;
      base.ratio = r.run.opsPerSec / best.run.opsPerSec;
    } else if (ours && r.subject !== 'switchyard') {
      base.baseline = 'switchyard';
      base.ratio = ours.opsPerSec / r.run.opsPerSec;
    }
    figures.push(base);
    figures.push({
      name: `${label} ${r.subject} latency p50`,
      value: r.run.p50,
      unit: 'ms',
      spread: r.run.p99 - r.run.p50,
    });
    figures.push({ name: `${label} ${r.subject} latency p99`, value: r.run.p99, unit: 'ms' });
  }
  if (ours && floor) {
    figures.push({
      name: `${label} switchyard share of the ${floorName} floor`,
      value: ours.opsPerSec / floor.opsPerSec,
      unit: 'ratio',
      baseline: floorName,
      ratio: ours.opsPerSec / floor.opsPerSec,
    });
  }
  return figures;
}

/**
 * Measures every subject `rounds` times, interleaved (A B C, A B C, …), and keeps each subject's
 * median round: on a shared machine the load drifts, and interleaving spreads the drift over all.
 */
async function scenario(
  ctx: SuiteContext,
  label: string,
  makers: (() => Subject)[],
  count: (make: () => Subject) => number,
  window: number,
  rounds: number,
): Promise<Measured[]> {
  const runs = makers.map(() => [] as Measured[]);
  for (let round = 0; round < rounds; round++) {
    for (const [k, make] of makers.entries())
      runs[k]!.push(await measure(ctx, make(), count(make), window, label));
  }
  return runs.map((all) => {
    const ok = all.filter((m) => m.run).sort((a, b) => a.run!.opsPerSec - b.run!.opsPerSec);
    return ok[Math.floor(ok.length / 2)] ?? all[0]!;
  });
}

const suite: BenchSuite = {
  name: 'worker-pool',
  description:
    'tiny tasks through thread and process pools: Switchyard vs piscina, tinypool, poolifier and raw floors',
  async run(ctx) {
    const total = ctx.dry ? 500 : ctx.quick ? 20_000 : 100_000;
    const serial = ctx.dry ? 200 : ctx.quick ? 5_000 : 20_000;
    const rounds = ctx.dry ? 1 : 3;
    const figures: Figure[] = [];
    const threads = [switchyardThreads, piscina, tinypool, poolifier, rawWorkers];

    const busy = `threads x2, ${IN_FLIGHT} in flight`;
    figures.push(
      ...figuresOf(busy, await scenario(ctx, busy, threads, () => total, IN_FLIGHT, rounds), 'raw Worker'),
    );
    const single = 'threads x2, 1 at a time';
    figures.push(
      ...figuresOf(single, await scenario(ctx, single, threads, () => serial, 1, rounds), 'raw Worker'),
    );

    const proc = `process x1, ${IN_FLIGHT} in flight`;
    // tinypool's child_process runtime is far slower: a smaller count keeps the run short.
    const count = (make: () => Subject) => (make === tinypoolProcess ? Math.min(total, 10_000) : total);
    const processes = [switchyardProcess, tinypoolProcess, rawPipe];
    figures.push(
      ...figuresOf(
        proc,
        await scenario(ctx, proc, processes, count, IN_FLIGHT, rounds),
        'raw Bun.spawn pipe',
      ),
    );
    return figures;
  },
};

export default suite;
