/**
 * A double-ended queue on a growable power-of-two ring: O(1) `push`, `shift`, `pop` (amortized
 * over growth), no `Array.prototype.shift`. It doubles when full and halves when a quarter full
 * (never below its initial size), so a burst's memory is given back.
 */
import { checkNumber } from '../internal/validate.ts';

export class RingBuffer<T> {
  #items: (T | undefined)[];
  #mask: number;
  #head = 0;
  #length = 0;
  readonly #minCapacity: number;

  /** @param initialCapacity rounded up to a power of two; default 16 */
  constructor(initialCapacity = 16) {
    checkNumber('RingBuffer', 'initialCapacity', initialCapacity, { integer: true, min: 1, max: 2 ** 30 });
    let cap = 2;
    while (cap < initialCapacity) cap *= 2;
    this.#items = new Array<T | undefined>(cap);
    this.#mask = cap - 1;
    this.#minCapacity = cap;
  }

  get length(): number {
    return this.#length;
  }

  /** The slots currently allocated (a power of two). */
  get capacity(): number {
    return this.#mask + 1;
  }

  /** Adds at the tail. */
  push(item: T): void {
    if (this.#length > this.#mask) this.#resize((this.#mask + 1) * 2);
    this.#items[(this.#head + this.#length) & this.#mask] = item;
    this.#length++;
  }

  /** Adds at the head. */
  unshift(item: T): void {
    if (this.#length > this.#mask) this.#resize((this.#mask + 1) * 2);
    this.#head = (this.#head - 1) & this.#mask;
    this.#items[this.#head] = item;
    this.#length++;
  }

  /** Removes from the head. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.#length--;
    this.#maybeShrink();
    return item;
  }

  /** Removes from the tail. */
  pop(): T | undefined {
    if (this.#length === 0) return undefined;
    const i = (this.#head + this.#length - 1) & this.#mask;
    const item = this.#items[i];
    this.#items[i] = undefined;
    this.#length--;
    this.#maybeShrink();
    return item;
  }

  peekFirst(): T | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head];
  }

  peekLast(): T | undefined {
    return this.#length === 0 ? undefined : this.#items[(this.#head + this.#length - 1) & this.#mask];
  }

  /** The item `index` places from the head (negative counts from the tail), or undefined. */
  at(index: number): T | undefined {
    const i = index < 0 ? index + this.#length : index;
    if (!Number.isInteger(i) || i < 0 || i >= this.#length) return undefined;
    return this.#items[(this.#head + i) & this.#mask];
  }

  /** Keeps only the items `keep` accepts, in order, in O(n). */
  retain(keep: (item: T) => boolean): void {
    let kept = 0;
    for (let i = 0; i < this.#length; i++) {
      const item = this.#items[(this.#head + i) & this.#mask] as T;
      if (keep(item)) this.#items[(this.#head + kept++) & this.#mask] = item;
    }
    for (let i = kept; i < this.#length; i++) this.#items[(this.#head + i) & this.#mask] = undefined;
    this.#length = kept;
    this.#maybeShrink();
  }

  clear(): void {
    this.#items = new Array<T | undefined>(this.#minCapacity);
    this.#mask = this.#minCapacity - 1;
    this.#head = 0;
    this.#length = 0;
  }

  toArray(): T[] {
    const out = new Array<T>(this.#length);
    for (let i = 0; i < this.#length; i++) out[i] = this.#items[(this.#head + i) & this.#mask] as T;
    return out;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.#length; i++) yield this.#items[(this.#head + i) & this.#mask] as T;
  }

  #maybeShrink(): void {
    const cap = this.#mask + 1;
    if (cap > this.#minCapacity && this.#length < cap >>> 2) this.#resize(cap >>> 1);
  }

  #resize(capacity: number): void {
    const next = new Array<T | undefined>(capacity);
    for (let i = 0; i < this.#length; i++) next[i] = this.#items[(this.#head + i) & this.#mask];
    this.#items = next;
    this.#mask = capacity - 1;
    this.#head = 0;
  }
}
