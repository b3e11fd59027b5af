/**
 * Answers remembered per key for the front door's per-request checks (a `Host` verdict, an
 * `Accept` match, a session's answer headers): a client sends the same few values request after
 * request, so each is worked out once. At most `max` keys; when full the memo is emptied rather
 * than ordered (no bookkeeping per hit), so a client cycling through values costs only the
 * recomputation.
 */
export class BoundedMemo<V> {
  readonly #values = new Map<string, V>();

  constructor(readonly max: number) {}

  get(key: string): V | undefined {
    return this.#values.get(key);
  }

  /** Remembers `value` for `key` (emptying the memo first when it is full) and gives it back. */
  set(key: string, value: V): V {
    if (this.#values.size >= this.max) this.#values.clear();
    this.#values.set(key, value);
    return value;
  }

  get size(): number {
    return this.#values.size;
  }
}
