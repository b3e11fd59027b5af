import { describe, expect, it } from 'vitest';
import {
  BackendExistsError,
  BackendFailedError,
  BackendRemovedError,
  isBackendFailedError,
  isBackendRemovedError,
  isMultiTierError,
  isSessionWorkerLostError,
  isUnknownBackendError,
  SessionWorkerLostError,
  UnknownBackendError,
} from './errors.ts';

describe('errors', () => {
  it('carry Symbol.for brands, so guards work across copies of the package', () => {
    const e = new BackendFailedError('b', 'exit code 1', ['tail'], 2, 100);
    expect(e.name).toBe('BackendFailedError');
    expect(isBackendFailedError(e)).toBe(true);
    expect(isMultiTierError(e)).toBe(true);
    expect(isSessionWorkerLostError(e)).toBe(false);
    // An error made by another copy: a plain object with the same registered symbol.
    const foreign = Object.create(Error.prototype, {
      [Symbol.for('switchyard.multi-tier.SessionWorkerLostError')]: { value: true },
    });
    expect(isSessionWorkerLostError(foreign)).toBe(true);
    expect(isSessionWorkerLostError(null)).toBe(false);
    // The stderr tail is a field, never part of the message (which can reach clients).
    expect(e.message).toBe('backend "b" failed: exit code 1');
    expect(e.stderrTail).toEqual(['tail']);
  });

  it('name what they are about', () => {
    expect(new SessionWorkerLostError('fs', 's1', 'crashed', 'exit code 3').message).toBe(
      'the worker of session "s1" on backend "fs" is gone (crashed: exit code 3)',
    );
    expect(new UnknownBackendError('x', ['a', 'b']).message).toBe('unknown backend "x" (known: a, b)');
    const removed = new BackendRemovedError('x', ['a']);
    expect(removed.message).toBe('backend "x" was removed (known: a)');
    expect(removed.name).toBe('BackendRemovedError');
    expect(isBackendRemovedError(removed) && isUnknownBackendError(removed)).toBe(true);
    expect(isBackendRemovedError(new UnknownBackendError('x', []))).toBe(false);
    expect(new BackendExistsError('x', true).message).toBe(
      'backend "x" is still being removed: await removeBackend("x") before adding it again',
    );
  });
});
