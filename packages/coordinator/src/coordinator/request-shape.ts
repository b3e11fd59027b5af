/**
 * The shape of the common fields of a client's request, checked before it is routed: a field of
 * the wrong type gets -32602 naming it, instead of reaching a backend (or a lookup) that would
 * hang or throw on it.
 */
import { invalidParams } from '../jsonrpc/responses.ts';
import { isJsonObject, type JsonRpcRequest, type JsonRpcResponse } from '../jsonrpc/types.ts';

/** Methods whose `params.arguments`, when given, is an object of named values. */
const ARGUMENT_METHODS = new Set(['tools/call', 'prompts/get']);

/** -32602 for the first malformed common field of `request`, or `undefined` when they are sound. */
export function malformedField(request: JsonRpcRequest): JsonRpcResponse | undefined {
  const params = request.params;
  if (params === undefined) return undefined;
  if ('_meta' in params) {
    const meta = params._meta;
    if (!isJsonObject(meta))
      return invalidParams(request.id, `params._meta must be an object, got ${kindOf(meta)}`);
    if ('progressToken' in meta) {
      const token = meta.progressToken;
      if (typeof token !== 'string' && !(typeof token === 'number' && Number.isInteger(token))) {
        return invalidParams(
          request.id,
          `params._meta.progressToken must be a string or an integer, got ${kindOf(token)}`,
        );
      }
    }
  }
  if (ARGUMENT_METHODS.has(request.method) && 'arguments' in params && !isJsonObject(params.arguments)) {
    return invalidParams(request.id, `params.arguments must be an object, got ${kindOf(params.arguments)}`);
  }
  return undefined;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
