/**
 * Per-call figures aggregated by label set without hashing a label object per call: the caller
 * names a series by a string key it builds from its (bounded) label values, the series' labels are
 * made once, when the key is first seen, and each observation is a map lookup and a few additions.
 * prom-client (`hashObject` sorts and joins the label names on every `inc` / `observe`) and the
 * OpenTelemetry metrics SDK (`hashAttributes` sorts the attribute keys on every `record`) cost
 * several times that on the request path; here they are handed the aggregates when they collect
 * (`promHistogram`, `promCounter`; `telemetry/operation-producer.ts` for OTLP).
 *
 * The sets are as bounded as the label values their callers build keys from.
 */

export interface HistogramSeries<L> {
  readonly labels: L;
  /** Observations per bucket, not cumulative: `counts[i]` ≤ `buckets[i]`; the last one above all. */
  readonly counts: number[];
  sum: number;
  count: number;
  min: number;
  max: number;
}

export class HistogramSet<L> {
  private readonly byKey = new Map<string, HistogramSeries<L>>();

  /** `buckets`: inclusive upper bounds, ascending. */
  constructor(readonly buckets: readonly number[]) {}

  /** The series `key` names, its labels made by `labels` the first time. */
  series(key: string, labels: () => L): HistogramSeries<L> {
    let series = this.byKey.get(key);
    if (series === undefined) {
      series = {
        labels: labels(),
        counts: new Array<number>(this.buckets.length + 1).fill(0),
        sum: 0,
        count: 0,
        min: Number.POSITIVE_INFINITY,
        max: Number.NEGATIVE_INFINITY,
      };
      this.byKey.set(key, series);
    }
    return series;
  }

  observe(series: HistogramSeries<L>, value: number): void {
    const { buckets } = this;
    let i = 0;
    while (i < buckets.length && value > (buckets[i] as number)) i++;
    (series.counts as number[])[i]! += 1;
    series.sum += value;
    series.count += 1;
    if (value < series.min) series.min = value;
    if (value > series.max) series.max = value;
  }

  all(): IterableIterator<HistogramSeries<L>> {
    return this.byKey.values();
  }
}

export interface CounterSeries<L> {
  readonly labels: L;
  value: number;
}

export class CounterSet<L> {
  private readonly byKey = new Map<string, CounterSeries<L>>();

  /** Adds `by` to the series `key` names, its labels made by `labels` the first time. */
  add(key: string, labels: () => L, by = 1): void {
    const series = this.byKey.get(key);
    if (series !== undefined) series.value += by;
    else this.byKey.set(key, { labels: labels(), value: by });
  }

  /** The series `key` names (made with `labels` the first time), for a caller to keep and add to. */
  series(key: string, labels: () => L): CounterSeries<L> {
    let series = this.byKey.get(key);
    if (series === undefined) {
      series = { labels: labels(), value: 0 };
      this.byKey.set(key, series);
    }
    return series;
  }

  all(): IterableIterator<CounterSeries<L>> {
    return this.byKey.values();
  }
}

/** One sample as prom-client's registry formats it. */
interface PromValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** A metric object prom-client's `Registry.registerMetric` takes (what its own metrics offer it). */
export interface PromMetric {
  name: string;
  help: string;
  type: 'histogram' | 'counter';
  aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: PromValue[] }>;
  reset(): void;
}

/**
 * `set` as a Prometheus histogram named `name` (`_bucket` with `le`, `_sum`, `_count` per series,
 * as prom-client writes its own); `promLabels` gives a series' label names and values.
 */
export function promHistogram<L>(
  name: string,
  help: string,
  set: HistogramSet<L>,
  promLabels: (labels: L) => Record<string, string>,
): PromMetric {
  const bucketName = `${name}_bucket`;
  const sumName = `${name}_sum`;
  const countName = `${name}_count`;
  return {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get() {
      const values: PromValue[] = [];
      for (const series of set.all()) {
        const labels = promLabels(series.labels);
        let cumulative = 0;
        for (const [i, bound] of set.buckets.entries()) {
          cumulative += series.counts[i]!;
          values.push({ labels: { le: bound, ...labels }, value: cumulative, metricName: bucketName });
        }
        values.push({ labels: { le: '+Inf', ...labels }, value: series.count, metricName: bucketName });
        values.push({ labels, value: series.sum, metricName: sumName });
        values.push({ labels, value: series.count, metricName: countName });
      }
      return Promise.resolve({ name, help, type: 'histogram', aggregator: 'sum', values });
    },
    reset() {},
  };
}

/** `set` as a Prometheus counter named `name`. */
export function promCounter<L extends Record<string, string>>(
  name: string,
  help: string,
  set: CounterSet<L>,
): PromMetric {
  return {
    name,
    help,
    type: 'counter',
    aggregator: 'sum',
    get() {
      const values: PromValue[] = [];
      for (const series of set.all()) values.push({ labels: series.labels, value: series.value });
      return Promise.resolve({ name, help, type: 'counter', aggregator: 'sum', values });
    },
    reset() {},
  };
}
