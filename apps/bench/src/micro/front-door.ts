/**
 * The HTTP front door's per-request techniques (apps/mcp-server/src/http, #18), each against the way
 * it was done before, in the same process. The app exports no modules, so each technique is
 * written here as the front door does it (the hot-path part only):
 *
 * - body deadline: a FIFO of equal budgets on one shared timer (`read-deadlines.ts`: start + end
 *   per read) vs a `setTimeout` + `clearTimeout` and a `Promise.race` per request, around an
 *   already-resolved read;
 * - JSON answer: a `Response` given a precomputed `Headers` (`answers.ts`) vs one whose header
 *   object is spread per answer;
 * - waiting for a call's first message under the request's signal (`mcp-front.ts`): one promise
 *   and a listener left in place vs `Promise.race` with a second promise and a `{ once }` listener
 *   added and removed.
 *
 * Ratios are before ÷ now in time: > 1 means the new way is faster. Contenders run in alternating
 * rounds, each keeping its best round.
 */
import { do_not_optimize, measure } from 'mitata';
import type { BenchSuite, Figure, SuiteContext } from '../harness.ts';

interface Measured {
  ns: number;
  spread: number;
}

function options(ctx: SuiteContext) {
  if (ctx.dry)
    return { min_samples: 2, max_samples: 2, min_cpu_time: 0, warmup_samples: 0, batch_samples: 8 };
  if (ctx.quick) return { min_cpu_time: 150e6 };
  return {};
}

async function contest(ctx: SuiteContext, fns: (() => unknown)[]): Promise<Measured[]> {
  const rounds = ctx.dry ? 1 : 3;
  const best: Measured[] = fns.map(() => ({ ns: Number.POSITIVE_INFINITY, spread: 0 }));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < fns.length; i++) {
      const stats = await measure(fns[i]!, options(ctx));
      if (stats.avg < best[i]!.ns) best[i] = { ns: stats.avg, spread: stats.p99 - stats.p50 };
    }
  }
  return best;
}

const TIMED_OUT = Symbol('timed out');
const BUDGET_MS = 30_000;

/** The hot path of `ReadDeadlines`: a read's entry queued (ended heads dropped), one timer for all. */
class ReadDeadlines {
  private queue: { at: number; expire: (() => void) | undefined }[] = [];
  private head = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  start(expire: () => void): () => void {
    const entry = { at: performance.now() + BUDGET_MS, expire: expire as (() => void) | undefined };
    while (this.head < this.queue.length && this.queue[this.head]!.expire === undefined) this.head++;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    }
    this.queue.push(entry);
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {}, BUDGET_MS);
      this.timer.unref();
    }
    return () => {
      entry.expire = undefined;
    };
  }

  close(): void {
    clearTimeout(this.timer);
  }
}

/** Before: a timer per request, raced. */
async function bodyWithTimer(read: Promise<ArrayBuffer>): Promise<ArrayBuffer | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), BUDGET_MS);
  });
  try {
    read.catch(() => {});
    return await Promise.race([read, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Now: the shared deadlines, one promise settled by the read or the deadline. */
function bodyWithDeadlines(
  deadlines: ReadDeadlines,
  read: Promise<ArrayBuffer>,
): Promise<ArrayBuffer | typeof TIMED_OUT> {
  return new Promise((resolve, reject) => {
    const ended = deadlines.start(() => resolve(TIMED_OUT));
    read.then(
      (buffer) => {
        ended();
        resolve(buffer);
      },
      (error: unknown) => {
        ended();
        reject(error);
      },
    );
  });
}

const JSON_HEADERS = new Headers({ 'content-type': 'application/json' });

/** Now: the headers of a plain JSON answer built once. */
function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: JSON_HEADERS });
}

/** Before: the answer's header object spread per answer. */
function jsonBefore(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

type Next = IteratorResult<number>;
const DONE: Next = { done: true, value: undefined };

/** Before: race of the first message and a promise of the abort, the listener added and removed. */
async function firstBefore(next: Promise<Next>, signal: AbortSignal): Promise<Next> {
  let onAbort: () => void = () => {};
  const aborted = new Promise<Next>((resolve) => {
    onAbort = () => resolve(DONE);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([next, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Now: one promise; the listener stays (the request's signal goes with the request). */
function firstNow(next: Promise<Next>, signal: AbortSignal): Promise<Next> {
  let first = false;
  return new Promise<Next>((resolve, reject) => {
    signal.addEventListener('abort', () => {
      if (first) return;
      first = true;
      resolve(DONE);
    });
    next.then(
      (value) => {
        first = true;
        resolve(value);
      },
      (error: unknown) => {
        first = true;
        reject(error);
      },
    );
  });
}

export default {
  name: 'front-door',
  description:
    'the HTTP front door per request: body deadline, JSON answer, first message under the signal (now vs before)',
  async run(ctx) {
    const figures: Figure[] = [];
    const pair = async (name: string, before: () => unknown, now: () => unknown) => {
      const [b, n] = await contest(ctx, [before, now]);
      const ratio = b!.ns / n!.ns;
      figures.push({ name: `${name} (before)`, value: b!.ns, unit: 'ns/op', spread: b!.spread });
      figures.push({
        name,
        value: n!.ns,
        unit: 'ns/op',
        spread: n!.spread,
        baseline: `${name} (before)`,
        ratio,
      });
      ctx.log(`${name.padEnd(44)} ${n!.ns.toFixed(1).padStart(8)} ns/op  (${ratio.toFixed(2)}× vs before)`);
    };

    const buffer = new ArrayBuffer(160);
    const deadlines = new ReadDeadlines();
    await pair(
      'body deadline around a read',
      async () => do_not_optimize(await bodyWithTimer(Promise.resolve(buffer))),
      async () => do_not_optimize(await bodyWithDeadlines(deadlines, Promise.resolve(buffer))),
    );
    deadlines.close();

    const message = { jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'hello' }] } };
    await pair(
      'JSON answer (Response)',
      () => do_not_optimize(jsonBefore(200, message)),
      () => do_not_optimize(json(200, message)),
    );

    // A fresh signal per request for both, as each request has its own.
    const result: Next = { done: false, value: 1 };
    await pair(
      'first message under the signal',
      async () => do_not_optimize(await firstBefore(Promise.resolve(result), new AbortController().signal)),
      async () => do_not_optimize(await firstNow(Promise.resolve(result), new AbortController().signal)),
    );
    return figures;
  },
} satisfies BenchSuite;
