/**
 * What `fn` threw, narrowed by a brand guard. Throws (failing the test) when `fn` throws nothing,
 * or something the guard does not recognise — which is then rethrown as it was.
 */
export function thrownBy<T>(fn: () => unknown, guard: (value: unknown) => value is T): T {
  try {
    fn();
  } catch (e) {
    if (guard(e)) return e;
    throw e;
  }
  throw new Error('expected the call to throw, and it returned');
}
