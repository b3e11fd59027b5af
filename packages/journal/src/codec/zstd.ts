/** The journal's one use of Bun's zstd (the rest of the codec logic is runtime-free). */

export function zstdCompress(data: Uint8Array, level: number): Uint8Array {
  return Bun.zstdCompressSync(data, { level });
}

export function zstdDecompress(data: Uint8Array): Uint8Array {
  return Bun.zstdDecompressSync(data);
}
