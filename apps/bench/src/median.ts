/** The median of `samples` (the mean of the two middle ones for an even count); 0 for none. */
export function median(samples: readonly number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
