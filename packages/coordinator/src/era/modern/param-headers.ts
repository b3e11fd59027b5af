/**
 * `Mcp-Param-{Name}` headers (2026-07-28, transports/streamable-http "Custom Headers from Tool
 * Parameters"; server/tools "x-mcp-header"): a tool's `inputSchema` may mark primitive properties,
 * reachable from the root through `properties` keys only, with `x-mcp-header: Name`; a client then
 * mirrors each value present in the call's arguments into `Mcp-Param-Name` (Base64-sentinel
 * encoded when not plain ASCII). A server that reads the body MUST check that every such header
 * agrees with the body, and that none is missing where the body has the value: else -32020, 400.
 * Integers are compared numerically.
 */
import { isJsonObject, type JsonObject, type RequestId } from '../../jsonrpc/types.ts';
import { headerMismatch, type ModernRejection } from './errors.ts';
import { decodeHeaderValue, type HeaderGetter, PARAM_HEADER_PREFIX } from './headers.ts';

/** One annotated property: its header name and where its value sits in the arguments. */
export interface ParamHeader {
  name: string;
  path: readonly string[];
}

const annotations = new WeakMap<object, readonly ParamHeader[]>();

/** The `x-mcp-header` annotations of `inputSchema` that are statically reachable (memoised per schema object). */
export function paramHeadersOf(inputSchema: unknown): readonly ParamHeader[] {
  if (!isJsonObject(inputSchema)) return [];
  const known = annotations.get(inputSchema);
  if (known) return known;
  const found: ParamHeader[] = [];
  walk(inputSchema, [], found, 0);
  annotations.set(inputSchema, found);
  return found;
}

function walk(schema: JsonObject, path: string[], found: ParamHeader[], depth: number): void {
  if (depth > 32 || !isJsonObject(schema.properties)) return;
  for (const [key, sub] of Object.entries(schema.properties)) {
    if (!isJsonObject(sub)) continue;
    const name = sub['x-mcp-header'];
    if (typeof name === 'string' && name.length > 0) found.push({ name, path: [...path, key] });
    walk(sub, [...path, key], found, depth + 1);
  }
}

function valueAt(args: unknown, path: readonly string[]): unknown {
  let at: unknown = args;
  for (const key of path) {
    if (!isJsonObject(at)) return undefined;
    at = at[key];
  }
  return at;
}

function agrees(decoded: string, value: unknown): boolean {
  if (typeof value === 'number') return decoded.trim() !== '' && Number(decoded) === value;
  if (typeof value === 'boolean') return decoded === String(value);
  return typeof value === 'string' && decoded === value;
}

/** Checks the `Mcp-Param-*` headers of a `tools/call` against its arguments; a rejection, or undefined. */
export function checkParamHeaders(
  id: RequestId,
  inputSchema: unknown,
  args: unknown,
  header: HeaderGetter,
): ModernRejection | undefined {
  for (const { name, path } of paramHeadersOf(inputSchema)) {
    const headerName = `${PARAM_HEADER_PREFIX}${name}` as const;
    const where = `arguments.${path.join('.')}`;
    const raw = header(headerName);
    const value = valueAt(args, path);
    if (value === undefined || value === null) {
      if (raw === null) continue;
      return headerMismatch(id, headerName, 'mismatch', `${headerName} is set but ${where} is absent`);
    }
    if (raw === null) {
      return headerMismatch(id, headerName, 'missing', `${headerName} is required: ${where} is set`);
    }
    const decoded = decodeHeaderValue(raw);
    if (decoded === undefined) {
      return headerMismatch(id, headerName, 'invalid', `${headerName} is not a valid header value`);
    }
    if (!agrees(decoded, value)) {
      return headerMismatch(
        id,
        headerName,
        'mismatch',
        `${headerName} value '${decoded}' does not match body value '${String(value)}'`,
      );
    }
  }
  return undefined;
}
