/**
 * The last merged list of each (list kind, backends asked), kept while its inputs stay the same:
 * every backend answered from the list cache with the very array it gave last time, under the
 * same naming. Routing a call merges the tool lists to find the owner; with this, a steady stream
 * of calls merges once per change of any backend's list, not once per call. A backend that failed
 * is never memoised (its reason may change, and it should be asked again).
 */
export class MergeMemo<R> {
  private readonly last = new Map<string, { naming: object; inputs: readonly unknown[]; merged: R }>();

  /** The memoised merge for `key`, if `naming` and each input are the ones it was made from. */
  get(key: string, naming: object, inputs: readonly unknown[]): R | undefined {
    const hit = this.last.get(key);
    if (!hit || hit.naming !== naming || hit.inputs.length !== inputs.length) return undefined;
    for (let i = 0; i < inputs.length; i++) if (hit.inputs[i] !== inputs[i]) return undefined;
    return hit.merged;
  }

  set(key: string, naming: object, inputs: readonly unknown[], merged: R): void {
    this.last.set(key, { naming, inputs, merged });
  }

  clear(): void {
    this.last.clear();
  }
}
