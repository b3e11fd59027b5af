/**
 * A one-reader queue of messages, read as an async iterable: the coordinator pushes progress,
 * server-to-client requests and finally the response; `end` closes it (after the response, or at
 * once when the client cancels). A reader that stops early (`return()`, e.g. a closed HTTP
 * stream) triggers `onAbandon`.
 *
 * Bounded when `maxBuffered` is given: a reader that does not read (a session with no stream
 * open) holds at most that many items; the oldest go first, counted in `dropped`. `pushOnce` keeps
 * at most one unread item per key (a list change said twice before it was read is said once).
 */
export class MessageStream<T> implements AsyncIterable<T> {
  private readonly buffered: T[] = [];
  /** Keys of unread `pushOnce` items, by item. */
  /** Keys of unread `pushOnce` items: made on the first one (most streams never have any). */
  private keyed: Map<T, string> | undefined;
  private unreadKeys: Set<string> | undefined;
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private ended = false;
  /** Each item as the reader sees it (`mapItems`), applied as it is read. */
  private map: ((item: T) => T) | undefined;
  /** Items dropped unread because more than `maxBuffered` were waiting. */
  dropped = 0;

  /**
   * `onAbandon`: called when the reader stops reading (`return()`) before the stream ended.
   * `maxBuffered`: the most unread items kept (default: no bound).
   */
  constructor(
    private readonly onAbandon?: () => void,
    private readonly maxBuffered = Number.POSITIVE_INFINITY,
  ) {}

  get isEnded(): boolean {
    return this.ended;
  }

  /** How many items wait unread. */
  get size(): number {
    return this.buffered.length;
  }

  /**
   * The reader is to see each item as `fn` makes it: applied as items are read (those already
   * waiting too), with no wrapper stream and no promise more per item. One reader, one mapping:
   * a second call replaces the first.
   */
  mapItems(fn: (item: T) => T): void {
    this.map = fn;
  }

  push(item: T): void {
    if (this.ended) return;
    const wake = this.waiting;
    if (wake) {
      this.waiting = undefined;
      wake({ value: this.map ? this.map(item) : item, done: false });
      return;
    }
    this.buffered.push(item);
    while (this.buffered.length > this.maxBuffered) {
      this.forget(this.buffered.shift()!);
      this.dropped++;
    }
  }

  /** `push`, unless an item of the same `key` is still unread. */
  pushOnce(item: T, key: string): void {
    if (this.ended || this.unreadKeys?.has(key)) return;
    if (!this.waiting) {
      this.keyed ??= new Map();
      this.unreadKeys ??= new Set();
      this.keyed.set(item, key);
      this.unreadKeys.add(key);
    }
    this.push(item);
  }

  private forget(item: T): void {
    const key = this.keyed?.get(item);
    if (key === undefined) return;
    this.keyed!.delete(item);
    this.unreadKeys!.delete(key);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    const wake = this.waiting;
    this.waiting = undefined;
    wake?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.buffered.shift();
        if (item !== undefined) {
          this.forget(item);
          return Promise.resolve({ value: this.map ? this.map(item) : item, done: false });
        }
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this.waiting = resolve;
        });
      },
      return: () => {
        const abandoned = !this.ended;
        this.end();
        this.buffered.length = 0;
        this.keyed?.clear();
        this.unreadKeys?.clear();
        if (abandoned) this.onAbandon?.();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
