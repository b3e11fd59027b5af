/**
 * Every error the journal throws on purpose. Each class carries a brand,
 * `Symbol.for('switchyard.journal.<Name>')`, and an `isXxxError` guard checks the brand rather
 * than `instanceof`, so it holds across realms and duplicate copies of the package.
 */

function brand(name: string): symbol {
  return Symbol.for(`switchyard.journal.${name}`);
}

function hasBrand(value: unknown, name: string): boolean {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand(name)] === true
  );
}

function guard<T>(name: string): (value: unknown) => value is T {
  return (value: unknown): value is T => hasBrand(value, name);
}

/** The base of every journal error. */
export class JournalError extends Error {
  constructor(name: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
    Object.defineProperty(this, brand('JournalError'), { value: true });
    Object.defineProperty(this, brand(name), { value: true });
  }
}

/** A method was called after `close()`. */
export class JournalClosedError extends JournalError {
  constructor(readonly method: string) {
    super('JournalClosedError', `journal is closed: ${method}() was called after close()`);
  }
}

/** The write buffer is full and the journal was configured to refuse rather than wait. */
export class JournalBackpressureError extends JournalError {
  constructor(
    readonly buffered: number,
    readonly limit: string,
  ) {
    super(
      'JournalBackpressureError',
      `journal write buffer is full (${buffered} records waiting, limit ${limit}); retry after flush() or slow down`,
    );
  }
}

/** A payload is larger than `maxPayloadBytes`. */
export class JournalPayloadTooLargeError extends JournalError {
  constructor(
    readonly field: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      'JournalPayloadTooLargeError',
      `${field} is ${bytes} bytes, more than the journal's maxPayloadBytes of ${limit}`,
    );
  }
}

/** An argument is missing, of the wrong type or out of range. */
export class JournalInvalidInputError extends JournalError {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super('JournalInvalidInputError', `invalid ${field}: ${problem}`);
  }
}

export type InvalidEventIdReason = 'malformed' | 'other-stream' | 'unknown-stream' | 'not-issued' | 'expired';

/** A `Last-Event-ID` that cannot be resumed from; `reason` says why. */
export class JournalInvalidEventIdError extends JournalError {
  constructor(
    readonly eventId: string,
    readonly reason: InvalidEventIdReason,
    detail: string,
  ) {
    super('JournalInvalidEventIdError', `cannot resume from event id ${JSON.stringify(eventId)}: ${detail}`);
  }
}

/** A session with this id exists already. */
export class JournalConflictError extends JournalError {
  constructor(readonly sessionId: string) {
    super('JournalConflictError', `session ${JSON.stringify(sessionId)} exists already`);
  }
}

/**
 * The store behind the journal cannot be reached right now (a Redis connection that dropped, a
 * command past its deadline). The journal keeps trying to reconnect; a caller can answer "try again
 * later" (HTTP 503) instead of treating the record as missing.
 */
export class JournalUnavailableError extends JournalError {
  constructor(
    readonly store: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super('JournalUnavailableError', `the journal's ${store} cannot be reached: ${problem}`, options);
  }
}

/**
 * A write for a session another node has taken over since this process claimed it (several nodes
 * on the Redis driver): its lease's epoch moved on, so the store refused the write — a node that
 * was paused past its lease must not write over the session's new owner. Let the session go.
 */
export class JournalFencedError extends JournalError {
  constructor(
    readonly sessionId: string,
    readonly epoch: number,
  ) {
    super(
      'JournalFencedError',
      `session ${sessionId.slice(0, 8)}… was taken over by another node (this node held epoch ${epoch}): write refused`,
    );
  }
}

/** The journal file cannot be opened (missing directory, a directory, permissions). */
export class JournalOpenError extends JournalError {
  constructor(
    readonly path: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super('JournalOpenError', `cannot open journal ${JSON.stringify(path)}: ${problem}`, options);
  }
}

/** The journal file can be read but not written. */
export class JournalReadOnlyError extends JournalError {
  constructor(
    readonly path: string,
    /** Why: by default, the file or its directory cannot be written. */
    options?: { cause?: unknown; reason?: string },
  ) {
    super(
      'JournalReadOnlyError',
      `journal ${JSON.stringify(path)} is read-only: ${options?.reason ?? 'the file or its directory cannot be written'}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
  }
}

/** The file is damaged or is not a SQLite database at all. */
export class JournalCorruptError extends JournalError {
  constructor(
    readonly path: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(
      'JournalCorruptError',
      `journal ${JSON.stringify(path)} is damaged or not a database: ${problem}`,
      options,
    );
  }
}

/** The file is a database but not a journal this version can use. */
export class JournalSchemaError extends JournalError {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super('JournalSchemaError', `journal ${JSON.stringify(path)}: ${problem}`);
  }
}

/** A group commit failed; the records stay buffered and are retried. */
export class JournalWriteError extends JournalError {
  constructor(
    readonly records: number,
    options: { cause: unknown },
  ) {
    const why = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super('JournalWriteError', `journal commit of ${records} records failed: ${why}`, options);
  }
}

export const isJournalError = guard<JournalError>('JournalError');
export const isJournalClosedError = guard<JournalClosedError>('JournalClosedError');
export const isJournalBackpressureError = guard<JournalBackpressureError>('JournalBackpressureError');
export const isJournalPayloadTooLargeError = guard<JournalPayloadTooLargeError>(
  'JournalPayloadTooLargeError',
);
export const isJournalInvalidInputError = guard<JournalInvalidInputError>('JournalInvalidInputError');
export const isJournalInvalidEventIdError = guard<JournalInvalidEventIdError>('JournalInvalidEventIdError');
export const isJournalConflictError = guard<JournalConflictError>('JournalConflictError');
export const isJournalOpenError = guard<JournalOpenError>('JournalOpenError');
export const isJournalReadOnlyError = guard<JournalReadOnlyError>('JournalReadOnlyError');
export const isJournalCorruptError = guard<JournalCorruptError>('JournalCorruptError');
export const isJournalSchemaError = guard<JournalSchemaError>('JournalSchemaError');
export const isJournalWriteError = guard<JournalWriteError>('JournalWriteError');
export const isJournalUnavailableError = guard<JournalUnavailableError>('JournalUnavailableError');
export const isJournalFencedError = guard<JournalFencedError>('JournalFencedError');
