/** The last `capacity` stderr lines of a process, oldest first, on flow-balancer's ring buffer. */
import { RingBuffer } from '@switchyard/flow-balancer';

export class StderrTail {
  readonly #ring = new RingBuffer<string>();

  constructor(readonly capacity: number) {}

  push(line: string): void {
    this.#ring.push(line);
    if (this.#ring.length > this.capacity) this.#ring.shift();
  }

  lines(): string[] {
    return this.#ring.toArray();
  }
}
