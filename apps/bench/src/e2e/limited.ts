/**
 * Runs `task(i)` for i in 0…n−1 with at most `limit` at once, until done or `deadline`
 * (performance.now() ms); returns how many completed and how many threw (the first error is kept).
 */
export async function limited(
  n: number,
  limit: number,
  deadline: number,
  task: (i: number) => Promise<void>,
): Promise<{ done: number; failed: number; firstError?: unknown }> {
  let next = 0;
  let done = 0;
  let failed = 0;
  let firstError: unknown;
  const runner = async () => {
    while (next < n && performance.now() < deadline) {
      const i = next++;
      try {
        await task(i);
        done++;
      } catch (e) {
        failed++;
        firstError ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, runner));
  return { done, failed, firstError };
}
