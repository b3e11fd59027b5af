/** A fixed window of the latest numbers (durations, arrival times) for the gateway's live figures. */

/** The last `capacity` numbers, oldest overwritten; O(1) per push (no `Array.shift`). */
export class Window {
  private readonly values: Float64Array;
  private next = 0;
  private count = 0;

  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
  }

  push(value: number): void {
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.values.length;
    if (this.count < this.values.length) this.count++;
  }

  /** Oldest first. */
  toArray(): number[] {
    const out: number[] = [];
    const start = this.count < this.values.length ? 0 : this.next;
    for (let i = 0; i < this.count; i++) out.push(this.values[(start + i) % this.values.length]!);
    return out;
  }
}
