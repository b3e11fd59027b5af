/**
 * The shape of the common fields of a client's request, checked before it is routed: a field of
 * the wrong type gets -32602 naming it, instead of reaching a backend (or a lookup) that would
 * hang or throw on it.
 */
import { invalidParams } from '../jsonrpc/responses.ts';
import { isJsonObject, type JsonRpcRequest, type JsonRpcResponse } from '../jsonrpc/types.ts';

/** Methods whose `params.arguments`, when given, is an object of named values. */
const ARGUMENT_METHODS = new Set(['tools/call', 'prompts/get']);

/**
 * -32602 for the first malformed common field of `request`, or `undefined` when they are sound.
 * `maxArgumentDepth`: how deep `params.arguments` may nest (an object or array is one level).
 */
export function malformedField(request: JsonRpcRequest, maxArgumentDepth = 64): JsonRpcResponse | undefined {
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
  if (ARGUMENT_METHODS.has(request.method) && 'arguments' in params) {
    if (!isJsonObject(params.arguments))
      return invalidParams(request.id, `params.arguments must be an object, got ${kindOf(params.arguments)}`);
    if (nestsDeeper(params.arguments, maxArgumentDepth)) {
      return invalidParams(request.id, `params.arguments nests deeper than ${maxArgumentDepth} levels`);
    }
  }
  return undefined;
}

/**
 * Whether `value` has objects or arrays nested more than `limit` deep (an object or array is one
 * level). Iterative, so no stack to blow; runs per routed request, so it allocates nothing for
 * flat arguments and no record per level (two parallel stacks, own keys walked with `for…in`).
 */
export function nestsDeeper(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit < 1) return true;
  const values: object[] = [];
  const depths: number[] = [];
  let v: object | undefined = value;
  let depth = 1;
  while (v !== undefined) {
    if (Array.isArray(v)) {
      for (const c of v) {
        if (c === null || typeof c !== 'object') continue;
        if (depth + 1 > limit) return true;
        values.push(c);
        depths.push(depth + 1);
      }
    } else {
      for (const k in v) {
        if (!Object.hasOwn(v, k)) continue;
        const c = (v as Record<string, unknown>)[k];
        if (c === null || typeof c !== 'object') continue;
        if (depth + 1 > limit) return true;
        values.push(c);
        depths.push(depth + 1);
      }
    }
    v = values.pop();
    depth = depths.pop() ?? 0;
  }
  return false;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
