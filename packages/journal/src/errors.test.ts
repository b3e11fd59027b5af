import { describe, expect, it } from 'vitest';
import {
  isJournalClosedError,
  isJournalError,
  isJournalWriteError,
  JournalClosedError,
  JournalError,
  JournalWriteError,
} from './errors.ts';

describe('journal errors', () => {
  it('are recognised by their brand, across copies of the package', () => {
    const error = new JournalClosedError('append');
    expect(isJournalClosedError(error)).toBe(true);
    expect(isJournalError(error)).toBe(true);
    expect(error).toBeInstanceOf(JournalError);
    expect(error.name).toBe('JournalClosedError');
    // What another copy of the class would produce: only the brand matches.
    const foreign = Object.assign(new Error('x'), {});
    Object.defineProperty(foreign, Symbol.for('switchyard.journal.JournalClosedError'), { value: true });
    expect(isJournalClosedError(foreign)).toBe(true);
    expect(isJournalClosedError(new Error('journal is closed'))).toBe(false);
    expect(isJournalWriteError(error)).toBe(false);
    expect(isJournalError(null)).toBe(false);
    expect(isJournalError('JournalError')).toBe(false);
  });

  it('keep the cause of a failed commit', () => {
    const cause = new Error('SQLITE_FULL');
    const error = new JournalWriteError(3, { cause });
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('journal commit of 3 records failed: SQLITE_FULL');
  });
});
