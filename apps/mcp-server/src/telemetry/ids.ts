/**
 * Trace and span ids for the gateway's spans (`lean-tracer.ts`): hex strings cut from a pool of
 * random bytes, refilled 4 KiB at a time — one `getRandomValues` per few hundred spans instead of
 * the SDK's `Math.random` per byte. The pool is written as hex once per refill (natively) and each
 * id is a slice of it: a flat string, where one built a byte at a time is a tree of 8 or 16
 * concatenations that every later reader (the span's JSON, the `traceparent`) had to flatten. The
 * randomness is injectable (tests, replays).
 */

/** Fills `into` with random bytes. */
export type RandomBytes = (into: Uint8Array) => void;

const POOL_BYTES = 4_096;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export class IdSource {
  private readonly pool = new Uint8Array(POOL_BYTES);
  private hexPool = '';
  private at = POOL_BYTES;

  constructor(private readonly random: RandomBytes = (into) => crypto.getRandomValues(into)) {}

  /** 16 random bytes as 32 hex digits, never all zero (an invalid trace id). */
  traceId(): string {
    for (;;) {
      const id = this.hex(16);
      if (id !== ZERO_TRACE) return id;
    }
  }

  /** 8 random bytes as 16 hex digits, never all zero (an invalid span id). */
  spanId(): string {
    for (;;) {
      const id = this.hex(8);
      if (id !== ZERO_SPAN) return id;
    }
  }

  private hex(bytes: number): string {
    if (this.at + bytes > POOL_BYTES) {
      this.random(this.pool);
      this.hexPool = Buffer.from(this.pool.buffer, this.pool.byteOffset, POOL_BYTES).toString('hex');
      this.at = 0;
    }
    const from = this.at * 2;
    this.at += bytes;
    return this.hexPool.slice(from, from + bytes * 2);
  }
}
