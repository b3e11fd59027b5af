import { describe, expect, it } from 'vitest';
import {
  CoordinatorError,
  DuplicateRequestIdError,
  InvalidConfigError,
  InvalidCursorError,
  isCoordinatorError,
  isDuplicateRequestIdError,
  isInvalidConfigError,
  isInvalidCursorError,
  isNameCollisionError,
  isTooManyPendingError,
  isUnknownBackendError,
  NameCollisionError,
  TooManyPendingError,
  UnknownBackendError,
} from '../src/index.ts';

describe('errors', () => {
  const cases = [
    [
      new NameCollisionError('tool', 'x', { backend: 'a', name: 'x' }, { backend: 'b', name: 'x' }),
      isNameCollisionError,
    ],
    [new InvalidCursorError('malformed', 'bad'), isInvalidCursorError],
    [new DuplicateRequestIdError('s', 1), isDuplicateRequestIdError],
    [new TooManyPendingError(3), isTooManyPendingError],
    [new InvalidConfigError('x', ['y']), isInvalidConfigError],
    [new UnknownBackendError('b'), isUnknownBackendError],
  ] as const;

  it('each carry their brand, the base brand and their name, and no other brand', () => {
    for (const [error, guard] of cases) {
      expect(guard(error)).toBe(true);
      expect(isCoordinatorError(error)).toBe(true);
      expect(error).toBeInstanceOf(CoordinatorError);
      expect(error.name).toBe(error.constructor.name);
      for (const [other, otherGuard] of cases) if (other !== error) expect(otherGuard(error)).toBe(false);
    }
  });

  it('are recognised by brand across copies of the package (no instanceof needed)', () => {
    const foreign = new Error('from another realm');
    Object.defineProperty(foreign, Symbol.for('switchyard.coordinator.InvalidCursorError'), { value: true });
    expect(isInvalidCursorError(foreign)).toBe(true);
    expect(isInvalidCursorError(new Error('plain'))).toBe(false);
    expect(isCoordinatorError(null)).toBe(false);
    expect(isCoordinatorError('InvalidCursorError')).toBe(false);
  });
});
