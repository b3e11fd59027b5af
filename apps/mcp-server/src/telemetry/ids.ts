/**
 * Trace and span ids for the gateway's spans (`lean-tracer.ts`): hex strings cut from a pool of
 * random bytes, refilled 4 KiB at a time — one `getRandomValues` per few hundred spans instead of
 * the SDK's `Math.random` per byte. The randomness is injectable (tests, replays).
 */

/** Fills `into` with random bytes. */
export type RandomBytes = (into: Uint8Array) => void;

const POOL_BYTES = 4_096;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export class IdSource {
  private readonly pool = new Uint8Array(POOL_BYTES);
  private at = POOL_BYTES;

  constructor(private readonly random: RandomBytes = (into) => crypto.getRandomValues(into)) {}

  /** 16 random bytes as 32 hex digits, never all zero (an invalid trace id). */
  traceId(): string {
    return this.hex(16);
  }

  /** 8 random bytes as 16 hex digits, never all zero (an invalid span id). */
  spanId(): string {
    return this.hex(8);
  }

  private hex(bytes: number): string {
    for (;;) {
      if (this.at + bytes > POOL_BYTES) {
        this.random(this.pool);
        this.at = 0;
      }
      const { pool } = this;
      let out = '';
      let any = 0;
      for (let i = this.at, end = this.at + bytes; i < end; i++) {
        const byte = pool[i] as number;
        any |= byte;
        out += HEX[byte];
      }
      this.at += bytes;
      if (any !== 0) return out;
    }
  }
}
