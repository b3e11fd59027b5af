/**
 * How a payload row is stored: the codec is recorded per row, so rows written under an older
 * setting (or before a block was packed) stay readable. Pure.
 */
export const Codec = {
  /** Stored as is, waiting to be packed into the next block. */
  Staged: 0,
  /** Its own zstd frame (large payloads). */
  Zstd: 1,
  /** A slice `[offset, offset + size)` of a zstd-compressed block of many payloads. */
  ZstdBlock: 2,
  /** Stored as is for good (compression off, or it did not shrink). */
  Plain: 3,
} as const;
export type Codec = (typeof Codec)[keyof typeof Codec];

export const BlockCodec = {
  Zstd: 1,
} as const;

export interface CompressionOptions {
  /** zstd level for blocks and large payloads (default 3: see the README for the measurements). */
  level: number;
  /** Small payloads are packed into blocks of about this many bytes (default 256 KiB). */
  blockBytes: number;
  /** Payloads of at least this many bytes get their own zstd frame instead (default 64 KiB). */
  frameBytes: number;
}

export const DEFAULT_COMPRESSION: CompressionOptions = {
  level: 3,
  blockBytes: 256 * 1024,
  frameBytes: 64 * 1024,
};

export function concatBytes(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A small least-recently-used cache of decompressed blocks, so a replay decompresses each block once. */
export class BlockCache {
  readonly #blocks = new Map<number, Uint8Array>();

  constructor(private readonly capacity: number) {}

  get(id: number, load: () => Uint8Array): Uint8Array {
    let block = this.#blocks.get(id);
    if (block) {
      this.#blocks.delete(id);
    } else {
      block = load();
      if (this.#blocks.size >= this.capacity) this.#blocks.delete(this.#blocks.keys().next().value!);
    }
    this.#blocks.set(id, block);
    return block;
  }

  delete(id: number): void {
    this.#blocks.delete(id);
  }

  clear(): void {
    this.#blocks.clear();
  }
}
