/** Fast non-cryptographic 32-bit hashing for rendezvous scores. */

/** FNV-1a over the UTF-16 code units of `s`, then a murmur3 finalizer for avalanche. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** murmur3's 32-bit finalizer: every input bit flips each output bit with probability ~½. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Combines two 32-bit hashes into one, order-sensitive, well mixed. */
export function combine(a: number, b: number): number {
  return fmix32((a ^ Math.imul(b, 0x9e3779b1)) + 0x7f4a7c15);
}
