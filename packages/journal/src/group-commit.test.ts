import { describe, expect, it } from 'vitest';
import { isJournalClosedError, isJournalWriteError } from './errors.ts';
import { DEFAULT_GROUP_COMMIT, type GroupCommitLimits, GroupCommitter } from './group-commit.ts';

function committer(limits: Partial<GroupCommitLimits>, failFirst = 0) {
  const batches: number[][] = [];
  const errors: unknown[] = [];
  let failures = failFirst;
  let next = 0;
  const gc = new GroupCommitter<number>(
    { ...DEFAULT_GROUP_COMMIT, ...limits },
    {
      sizeOf: () => 10,
      commit: (batch) => {
        if (failures > 0) {
          failures--;
          throw new Error('disk full');
        }
        batches.push([...batch]);
      },
      onError: (e) => errors.push(e),
    },
  );
  return { gc, batches, errors, push: () => gc.push(() => ++next, 'append') };
}

describe('GroupCommitter', () => {
  it('commits everything buffered in one batch, in push order', async () => {
    const { gc, batches, push } = committer({ maxDelayMs: 1000 });
    for (let i = 0; i < 5; i++) push();
    expect(gc.pending).toBe(5);
    await gc.flush();
    expect(batches).toEqual([[1, 2, 3, 4, 5]]);
    expect(gc.pending).toBe(0);
  });

  it('a flush waits only for what was pushed before it', async () => {
    const { gc, batches, push } = committer({ maxDelayMs: 1000 });
    push();
    const first = gc.flush();
    push();
    await first;
    expect(batches.flat()).toContain(1);
    await gc.flush();
    expect(batches.flat()).toEqual([1, 2]);
  });

  it('retries a failed batch, keeping it ahead of newer records', async () => {
    const { gc, batches, errors, push } = committer({ maxDelayMs: 1 }, 2);
    push();
    push();
    await expect(gc.flush()).rejects.toSatisfy(isJournalWriteError);
    push();
    await expect(gc.flush()).rejects.toThrow(/commit of 3 records failed: disk full/);
    await gc.flush();
    expect(batches).toEqual([[1, 2, 3]]);
    expect(errors).toHaveLength(2);
  });

  it('rejects writers still waiting for room when close() cannot commit', async () => {
    const { gc, push } = committer({ maxDelayMs: 1000, maxBuffered: 1 }, 100);
    push();
    const waiting = push();
    expect(waiting).toBeInstanceOf(Promise);
    await expect(gc.close()).rejects.toSatisfy(isJournalWriteError);
    await expect(waiting).rejects.toSatisfy(isJournalWriteError);
    expect(() => push()).toThrow(/append\(\) was called after close\(\)/);
    try {
      push();
    } catch (error) {
      expect(isJournalClosedError(error)).toBe(true);
    }
  });
});
