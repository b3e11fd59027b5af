/**
 * A map with a bound on its size and an expiry per entry: the least recently used entry goes when
 * the bound is met, an expired one when it is looked up. The clock is the caller's (ms since the
 * epoch), so tests move time instead of waiting. `load` fills a missing entry, one load per key at
 * a time.
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  private readonly loading = new Map<string, Promise<V>>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The value of `key` while it has not expired (and it becomes the most recently used). */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.until <= this.now()) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Keeps `value` until `until` (ms since the epoch); nothing is kept for a time already past. */
  set(key: string, value: V, until: number): void {
    this.entries.delete(key);
    if (until <= this.now()) return;
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, until });
  }

  /**
   * The value of `key`, else what `fetch` gets — concurrent calls for one key share one fetch —
   * kept until the `until` it answers (`undefined`: not kept).
   */
  load(key: string, fetch: () => Promise<{ value: V; until: number | undefined }>): Promise<V> {
    const cached = this.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    const pending = this.loading.get(key);
    if (pending) return pending;
    const loaded = fetch()
      .then(({ value, until }) => {
        if (until !== undefined) this.set(key, value, until);
        return value;
      })
      .finally(() => this.loading.delete(key));
    this.loading.set(key, loaded);
    return loaded;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
