import { describe, expect, it } from 'vitest';
import {
  isPoolClosedError,
  isTaskTimeoutError,
  isWorkerCrashedError,
  isWorkerPoolError,
  PoolClosedError,
  PoolFailedError,
  TaskTimeoutError,
  WorkerCrashedError,
} from './errors.ts';

describe('errors', () => {
  it('are recognised by their guards, also through the global symbol brand', () => {
    const e = new WorkerCrashedError(3, false, 'exit', 'exit code 1');
    expect(isWorkerCrashedError(e)).toBe(true);
    expect(isWorkerPoolError(e)).toBe(true);
    expect(isTaskTimeoutError(e)).toBe(false);
    expect(e.name).toBe('WorkerCrashedError');
    expect(e.delivered).toBe(false);
    expect(e.message).toContain('was not delivered');
    // an error from another copy of the package carries the same brand
    const foreign = { [Symbol.for('switchyard.worker-pool.TaskTimeoutError')]: true };
    expect(isTaskTimeoutError(foreign)).toBe(true);
    expect(isTaskTimeoutError(new Error('x'))).toBe(false);
    expect(isTaskTimeoutError(null)).toBe(false);
    expect(isTaskTimeoutError(new TaskTimeoutError(5, 'queued'))).toBe(true);
    expect(isPoolClosedError(new PoolClosedError(true))).toBe(true);
  });

  it('PoolFailedError keeps the stderr tail in a field, out of its message', () => {
    const e = new PoolFailedError(5, 1000, ['line 1', 'fatal: no'], 'exit code 7');
    expect(e.message).toBe('pool failed: 5 worker crashes within 1000 ms (last: exit code 7)');
    expect(e.message).not.toContain('fatal: no');
    expect(e.stderrTail).toEqual(['line 1', 'fatal: no']);
  });
});
