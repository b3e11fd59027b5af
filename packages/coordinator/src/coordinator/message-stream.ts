/**
 * A one-reader queue of messages, read as an async iterable: the coordinator pushes progress,
 * server-to-client requests and finally the response; `end` closes it (after the response, or at
 * once when the client cancels). A reader that stops early (`return()`, e.g. a closed HTTP
 * stream) triggers `onAbandon`.
 */
export class MessageStream<T> implements AsyncIterable<T> {
  private readonly buffered: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private ended = false;

  /** `onAbandon`: called when the reader stops reading (`return()`) before the stream ended. */
  constructor(private readonly onAbandon?: () => void) {}

  get isEnded(): boolean {
    return this.ended;
  }

  push(item: T): void {
    if (this.ended) return;
    const wake = this.waiting;
    if (wake) {
      this.waiting = undefined;
      wake({ value: item, done: false });
    } else {
      this.buffered.push(item);
    }
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
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this.waiting = resolve;
        });
      },
      return: () => {
        const abandoned = !this.ended;
        this.end();
        this.buffered.length = 0;
        if (abandoned) this.onAbandon?.();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
