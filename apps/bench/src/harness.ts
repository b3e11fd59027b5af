/**
 * The contract every benchmark suite follows. A suite measures a subject and its baseline in the
 * same run and reports figures; the ratio to the baseline is what we compare across machines.
 */
export interface Figure {
  /** What was measured, e.g. `pick p2c n=16`. */
  name: string;
  /** The measured value. */
  value: number;
  /** `ns/op`, `ops/s`, `MB/s`, `ratio`, `ms`, … */
  unit: string;
  /** The baseline this figure is compared against, measured in the same run. */
  baseline?: string;
  /** value ÷ baseline value, oriented so that > 1 means Switchyard is better. */
  ratio?: number;
  /** Ratios against further baselines of the same run, by baseline name, oriented as `ratio`. */
  ratios?: Record<string, number>;
  /** Spread over repeats (e.g. p99 − p50 for latencies, or relative stddev), where known. */
  spread?: number;
}

export interface SuiteContext {
  /** A short pass (about a minute in all). */
  quick: boolean;
  /** Prove the suite runs: the smallest sizes, figures not to be read. */
  dry: boolean;
  log(line: string): void;
}

export interface BenchSuite {
  name: string;
  description: string;
  run(ctx: SuiteContext): Promise<Figure[]>;
}
