/**
 * A table's own entry for a key a client chose: never one inherited from `Object.prototype`
 * (`__proto__`, `constructor`, `toString` are methods' names a hostile client may send).
 */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
