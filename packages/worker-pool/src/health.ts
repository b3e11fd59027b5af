/**
 * Health checks: every `intervalMs`, each ready worker not already being probed gets one probe;
 * a probe that rejects or outlives `timeoutMs` is a failure, which the pool answers by recycling
 * the worker.
 */
import type { Clock } from '@switchyard/flow-balancer';
import type { WorkerSlot } from './worker-slot.ts';

export interface HealthMonitorOptions {
  clock: Clock;
  intervalMs: number;
  timeoutMs: number;
  probe: (worker: WorkerSlot) => Promise<unknown>;
  /** The workers to probe now. */
  workers: () => Iterable<WorkerSlot>;
  onPass: (worker: WorkerSlot) => void;
  onFail: (worker: WorkerSlot, error: string) => void;
}

export class HealthMonitor {
  readonly #o: HealthMonitorOptions;
  readonly #probing = new Set<WorkerSlot>();
  #timer: unknown;
  #running = false;

  constructor(options: HealthMonitorOptions) {
    this.#o = options;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule();
  }

  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer as never);
    this.#timer = undefined;
  }

  #schedule(): void {
    this.#timer = unref(this.#o.clock.setTimeout(() => this.#tick(), this.#o.intervalMs));
  }

  #tick(): void {
    this.#timer = undefined;
    if (!this.#running) return;
    for (const w of this.#o.workers()) {
      if (w.state === 'ready' && !this.#probing.has(w)) void this.#check(w);
    }
    this.#schedule();
  }

  async #check(worker: WorkerSlot): Promise<void> {
    const { clock, timeoutMs } = this.#o;
    this.#probing.add(worker);
    let timer: unknown;
    const timeout = new Promise<string>((resolve) => {
      timer = clock.setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
    });
    const probe = Promise.resolve()
      .then(() => this.#o.probe(worker))
      .then(
        () => undefined,
        (e: unknown) => (e instanceof Error ? e.message : String(e)),
      );
    const error = await Promise.race([probe, timeout]);
    clock.clearTimeout(timer as never);
    this.#probing.delete(worker);
    if (!this.#running || worker.state !== 'ready') return;
    if (error === undefined) this.#o.onPass(worker);
    else this.#o.onFail(worker, error);
  }
}

/** Lets a timer not keep the process alive, where the clock's handles support it. */
export function unref<T>(handle: T): T {
  (handle as { unref?: () => void } | null)?.unref?.();
  return handle;
}
