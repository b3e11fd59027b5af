/**
 * Every error the coordinator throws on purpose. Each class carries a brand,
 * `Symbol.for('switchyard.coordinator.<Name>')`, and an `isXxxError` guard checks the brand rather
 * than `instanceof`, so it holds across realms and duplicate copies of the package.
 *
 * Errors that a client caused (a bad cursor, a reused request id) also say which JSON-RPC error
 * answers them: `toJsonRpcError()` gives the error object to put in the response.
 */
import { INVALID_PARAMS, INVALID_REQUEST } from './jsonrpc/codes.ts';
import type { JsonRpcErrorObject, RequestId } from './jsonrpc/types.ts';

function brand(name: string): symbol {
  return Symbol.for(`switchyard.coordinator.${name}`);
}

function guard<T>(name: string): (value: unknown) => value is T {
  const key = brand(name);
  return (value: unknown): value is T =>
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[key] === true;
}

/** The base of every coordinator error. */
export class CoordinatorError extends Error {
  constructor(name: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
    Object.defineProperty(this, brand('CoordinatorError'), { value: true });
    Object.defineProperty(this, brand(name), { value: true });
  }
}

/** What kind of name two backends fought over. */
export type NameKind = 'tool' | 'prompt' | 'resource template';

/** One side of a collision: the backend and the name it listed. */
export interface NameOwner {
  backend: string;
  name: string;
}

/**
 * Two backends (or one backend twice) would show the client the same front name. Raised while the
 * name table is built, which at start-up is fatal: give one backend a prefix, or filter the tool out.
 */
export class NameCollisionError extends CoordinatorError {
  constructor(
    readonly kind: NameKind,
    readonly frontName: string,
    readonly first: NameOwner,
    readonly second: NameOwner,
  ) {
    const who =
      first.backend === second.backend
        ? `backend ${JSON.stringify(first.backend)} lists it twice`
        : `backends ${JSON.stringify(first.backend)} (its ${kind} ${JSON.stringify(first.name)}) and ` +
          `${JSON.stringify(second.backend)} (its ${kind} ${JSON.stringify(second.name)}) both claim it`;
    super(
      'NameCollisionError',
      `${kind} name ${JSON.stringify(frontName)} is ambiguous: ${who}; ` +
        'give one of them a prefix (or a different one), or filter the name out',
    );
  }
}

/** Why a cursor was refused. */
export type InvalidCursorReason = 'malformed' | 'version' | 'checksum' | 'list' | 'backend';

/** A pagination cursor the gateway did not issue, issued for another list, or no longer valid. */
export class InvalidCursorError extends CoordinatorError {
  readonly code = INVALID_PARAMS;
  constructor(
    readonly reason: InvalidCursorReason,
    detail: string,
  ) {
    super('InvalidCursorError', `Invalid cursor: ${detail}`);
  }

  toJsonRpcError(): JsonRpcErrorObject {
    return { code: this.code, message: this.message, data: { reason: this.reason } };
  }
}

/** A client sent a request id that is still in flight in the same session (MCP forbids reuse). */
export class DuplicateRequestIdError extends CoordinatorError {
  readonly code = INVALID_REQUEST;
  constructor(
    readonly sessionKey: string,
    readonly requestId: RequestId,
  ) {
    super(
      'DuplicateRequestIdError',
      `Invalid request: id ${JSON.stringify(requestId)} is already in use by a pending request of this session`,
    );
  }

  toJsonRpcError(): JsonRpcErrorObject {
    return { code: this.code, message: this.message };
  }
}

/** An id remapper holds `limit` pending requests already; the caller should shed load. */
export class TooManyPendingError extends CoordinatorError {
  constructor(readonly limit: number) {
    super('TooManyPendingError', `too many requests in flight to this worker (the limit is ${limit})`);
  }
}

/** A backend name that the configuration does not hold. */
export class UnknownBackendError extends CoordinatorError {
  constructor(readonly backend: string) {
    super(
      'UnknownBackendError',
      `unknown backend ${JSON.stringify(backend)}: it is not in the configuration`,
    );
  }
}

/** A configuration value is missing, of the wrong type or out of range. */
export class InvalidConfigError extends CoordinatorError {
  constructor(
    readonly field: string,
    readonly problems: readonly string[],
  ) {
    super('InvalidConfigError', `invalid ${field}: ${problems.join('; ')}`);
  }
}

export const isCoordinatorError = guard<CoordinatorError>('CoordinatorError');
export const isNameCollisionError = guard<NameCollisionError>('NameCollisionError');
export const isInvalidCursorError = guard<InvalidCursorError>('InvalidCursorError');
export const isDuplicateRequestIdError = guard<DuplicateRequestIdError>('DuplicateRequestIdError');
export const isTooManyPendingError = guard<TooManyPendingError>('TooManyPendingError');
export const isUnknownBackendError = guard<UnknownBackendError>('UnknownBackendError');
export const isInvalidConfigError = guard<InvalidConfigError>('InvalidConfigError');
