import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  CircuitOpenError,
  DeadlineExceededError,
  isAbortedError,
  isCircuitOpenError,
  isDeadlineExceededError,
  isFlowBalancerError,
  isLoadShedError,
  isQueueFullError,
  LoadShedError,
  QueueFullError,
} from './errors.ts';

const cases = [
  { make: () => new QueueFullError(8), guard: isQueueFullError, name: 'QueueFullError' },
  {
    make: () => new DeadlineExceededError(10, 12),
    guard: isDeadlineExceededError,
    name: 'DeadlineExceededError',
  },
  { make: () => new AbortedError('why'), guard: isAbortedError, name: 'AbortedError' },
  { make: () => new LoadShedError(250, 249.5), guard: isLoadShedError, name: 'LoadShedError' },
  { make: () => new CircuitOpenError(1000), guard: isCircuitOpenError, name: 'CircuitOpenError' },
];

describe('errors', () => {
  it.each(cases)('$name is recognised by its own guard only', ({ make, guard, name }) => {
    const e = make();
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe(name);
    expect(guard(e)).toBe(true);
    expect(isFlowBalancerError(e)).toBe(true);
    for (const other of cases) if (other.name !== name) expect(other.guard(e)).toBe(false);
  });

  it('guards answer false for plain errors and non-objects', () => {
    for (const c of cases) {
      expect(c.guard(new Error(c.name))).toBe(false);
      expect(c.guard(null)).toBe(false);
      expect(c.guard(undefined)).toBe(false);
      expect(c.guard(c.name)).toBe(false);
    }
    expect(isFlowBalancerError(new Error('x'))).toBe(false);
  });

  it('carries its data', () => {
    expect(new QueueFullError(8).capacity).toBe(8);
    expect(new LoadShedError(250, 249.5).retryAfterMs).toBe(250);
    expect(new CircuitOpenError(1000).retryAfterMs).toBe(1000);
    const d = new DeadlineExceededError(10, 12);
    expect([d.deadline, d.now]).toEqual([10, 12]);
    expect(new AbortedError('why').cause).toBe('why');
  });

  it('recognises an error branded in another realm, where instanceof fails', () => {
    const foreign = runInNewContext(`
      class QueueFullError extends Error {}
      Object.defineProperty(QueueFullError.prototype, Symbol.for('switchyard.flow-balancer.QueueFullError'), { value: true });
      Object.defineProperty(QueueFullError.prototype, Symbol.for('switchyard.flow-balancer'), { value: true });
      new QueueFullError('full');
    `);
    expect(foreign instanceof QueueFullError).toBe(false);
    expect(foreign instanceof Error).toBe(false);
    expect(isQueueFullError(foreign)).toBe(true);
    expect(isFlowBalancerError(foreign)).toBe(true);
    expect(isAbortedError(foreign)).toBe(false);
  });
});
