/**
 * A protobuf writer into one growable `Uint8Array`, reused from request to request: varints,
 * tags, fixed32 / fixed64, doubles, strings (ASCII by hand, the rest through
 * `TextEncoder.encodeInto`), hex ids as bytes, and nested messages whose length is written when
 * they end (one byte reserved; the content moved when the length needs more). The wire format of
 * https://protobuf.dev/programming-guides/encoding/ — the OTLP encoding (`span-protobuf.ts`) is
 * written with it, without an object per message.
 */

const encoder = new TextEncoder();

/** Wire types. */
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const I32 = 5;

/** Each character code's value as a hex digit (0-9, a-f, A-F); anything else counts as 0 (ids are checked where they come in). */
const NIBBLE = new Uint8Array(256);
for (let i = 0; i < 10; i++) NIBBLE[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[0x61 + i] = 10 + i;
  NIBBLE[0x41 + i] = 10 + i;
}

/** Writes `value` (below 2^32) as a varint into `bytes` at `at`; returns the offset after it. */
export function putVarint(bytes: Uint8Array, at: number, value: number): number {
  let v = value >>> 0;
  while (v > 0x7f) {
    bytes[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  bytes[at++] = v;
  return at;
}

export function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

export class ProtoWriter {
  buffer: Uint8Array;
  private view: DataView;
  pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buffer = new Uint8Array(initialBytes);
    this.view = new DataView(this.buffer.buffer);
  }

  /** Room for `bytes` more. */
  ensure(bytes: number): void {
    const needed = this.pos + bytes;
    if (needed <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.pos));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }

  /** Starts over (the buffer is kept). */
  reset(): void {
    this.pos = 0;
  }

  /** A copy of what was written. */
  bytes(): Uint8Array {
    return this.buffer.slice(0, this.pos);
  }

  /** A non-negative integer below 2^32, or any integer of ±2^63 (two's complement, 10 bytes when negative). */
  varint(value: number): void {
    this.ensure(10);
    const { buffer } = this;
    if (value >= 0 && value <= 0xffffffff) {
      let v = value >>> 0;
      while (v > 0x7f) {
        buffer[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buffer[this.pos++] = v;
      return;
    }
    const abs = Math.abs(value);
    let low = abs >>> 0;
    let high = Math.floor(abs / 0x100000000) >>> 0;
    if (value < 0) {
      low = ~low >>> 0;
      high = ~high >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    while (high > 0 || low > 0x7f) {
      buffer[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buffer[this.pos++] = low;
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
  }

  fixed64(low: number, high: number): void {
    this.ensure(8);
    this.view.setUint32(this.pos, low >>> 0, true);
    this.view.setUint32(this.pos + 4, high >>> 0, true);
    this.pos += 8;
  }

  double(value: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /** A string field's length and UTF-8 bytes. */
  string(text: string): void {
    const length = text.length;
    if (length < 0x80) {
      this.ensure(length + 1);
      const { buffer } = this;
      const at = this.pos;
      let i = 0;
      for (; i < length; i++) {
        const code = text.charCodeAt(i);
        if (code >= 0x80) break;
        buffer[at + 1 + i] = code;
      }
      if (i === length) {
        buffer[at] = length;
        this.pos = at + 1 + length;
        return;
      }
    }
    // At most 3 bytes a UTF-16 unit; the length's varint sized for that, moved back if smaller.
    const most = length * 3;
    const reserved = varintSize(most);
    this.ensure(reserved + most);
    const start = this.pos + reserved;
    const { written } = encoder.encodeInto(text, this.buffer.subarray(start, start + most));
    const size = varintSize(written);
    if (size < reserved) this.buffer.copyWithin(this.pos + size, start, start + written);
    this.varint(written);
    this.pos += written;
  }

  /** A hex id (`traceId`, `spanId`) as a bytes field's length and bytes. */
  hexBytes(hex: string): void {
    const size = hex.length >>> 1;
    this.ensure(size + 1);
    const { buffer } = this;
    buffer[this.pos++] = size;
    let at = this.pos;
    for (let i = 0; i < size; i++)
      buffer[at++] = (NIBBLE[hex.charCodeAt(2 * i) & 0xff]! << 4) | NIBBLE[hex.charCodeAt(2 * i + 1) & 0xff]!;
    this.pos = at;
  }

  /** Copies `bytes` as they are (a message written before). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Starts a nested message (its tag written already); returns what `end` takes. */
  begin(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** Ends the nested message `begin` started: writes its length before it. */
  end(at: number): void {
    const length = this.pos - at - 1;
    if (length < 0x80) {
      this.buffer[at] = length;
      return;
    }
    const size = varintSize(length);
    this.ensure(size - 1);
    this.buffer.copyWithin(at + size, at + 1, this.pos);
    const end = this.pos + size - 1;
    this.pos = at;
    this.varint(length);
    this.pos = end;
  }
}
