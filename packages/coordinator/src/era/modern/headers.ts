/**
 * The standard request headers of Streamable HTTP in 2026-07-28 (transports/streamable-http.mdx,
 * "Request Metadata"), checked against the parsed body.
 *
 * - `MCP-Protocol-Version`: on every request, equal to `_meta["io.modelcontextprotocol/protocolVersion"]`.
 * - `Mcp-Method`: on every request, equal to `method`.
 * - `Mcp-Name`: on `tools/call` and `prompts/get` (= `params.name`) and `resources/read`
 *   (= `params.uri`). A value that is not plain header-safe ASCII travels as
 *   `=?base64?<Base64 of its UTF-8>?=`, decoded before the comparison.
 *
 * A header that is missing, disagrees with the body or holds invalid characters is -32020
 * (`HeaderMismatch`) with HTTP 400. Header names are case-insensitive; values are not (the
 * getter is expected to look names up case-insensitively, as `Headers.get` does). The spec
 * defines no header requirements for notifications, so a notification is only refused when a
 * header it does carry disagrees with its body.
 *
 * Not here: `Mcp-Param-{Name}` headers from a tool's `x-mcp-header` annotations, which need the
 * tool's `inputSchema`.
 */
import { decodeBase64Url } from '../../base64url.ts';
import type { JsonRpcNotification, JsonRpcRequest } from '../../jsonrpc/types.ts';
import { type HeaderProblem, headerMismatch, type ModernRejection, type StandardHeader } from './errors.ts';
import { PROTOCOL_VERSION_META_KEY, requestMeta } from './meta-keys.ts';
import { trimOws } from './ows.ts';

/** Looks a header up by name, case-insensitively; `null` when absent. */
export type HeaderGetter = (name: string) => string | null;

export const PROTOCOL_VERSION_HEADER = 'MCP-Protocol-Version';
export const METHOD_HEADER = 'Mcp-Method';
export const NAME_HEADER = 'Mcp-Name';
export const PARAM_HEADER_PREFIX = 'Mcp-Param-';

/**
 * The methods that need `Mcp-Name`, and the `params` field it mirrors (the tasks extension, SEP-2663
 * "Routing Headers": `params.taskId` on `tasks/get`, `tasks/update`, `tasks/cancel`).
 */
export const NAME_HEADER_SOURCES: ReadonlyMap<string, 'name' | 'uri' | 'taskId'> = new Map([
  ['tools/call', 'name'],
  ['prompts/get', 'name'],
  ['resources/read', 'uri'],
  ['tasks/get', 'taskId'],
  ['tasks/update', 'taskId'],
  ['tasks/cancel', 'taskId'],
]);

export type HeaderCheck = { ok: true } | { ok: false; rejection: ModernRejection };

const SENTINEL_PREFIX = '=?base64?';
const SENTINEL_SUFFIX = '?=';
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** RFC 9110 field-value characters: visible ASCII, space and tab. */
const FIELD_VALUE = /^[\t\x20-\x7e]*$/;

/** A plain header value without surrounding whitespace; `undefined` if it has invalid characters. */
function plainHeaderValue(raw: string): string | undefined {
  const value = trimOws(raw);
  return FIELD_VALUE.test(value) ? value : undefined;
}

/** Strict UTF-8 decoding without a runtime API: `decodeURIComponent` throws on malformed UTF-8. */
function utf8(bytes: Uint8Array): string | undefined {
  let escaped = '';
  for (const b of bytes) escaped += `%${b.toString(16).padStart(2, '0')}`;
  try {
    return decodeURIComponent(escaped);
  } catch {
    return undefined;
  }
}

/**
 * A header value as the body would hold it: plain values as they are (without surrounding
 * whitespace), `=?base64?…?=` decoded. `undefined` when the value has characters a header value
 * may not have, or the sentinel holds anything but canonical Base64 of UTF-8.
 */
export function decodeHeaderValue(raw: string): string | undefined {
  const value = plainHeaderValue(raw);
  if (value === undefined) return undefined;
  if (!(value.startsWith(SENTINEL_PREFIX) && value.endsWith(SENTINEL_SUFFIX))) return value;
  if (value.length < SENTINEL_PREFIX.length + SENTINEL_SUFFIX.length) return undefined;
  const b64 = value.slice(SENTINEL_PREFIX.length, value.length - SENTINEL_SUFFIX.length);
  if (!CANONICAL_BASE64.test(b64)) return undefined;
  const bytes = decodeBase64Url(b64.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'));
  return bytes === undefined ? undefined : utf8(bytes);
}

function fail(
  message: JsonRpcRequest | JsonRpcNotification,
  header: StandardHeader,
  problem: HeaderProblem,
  detail: string,
): HeaderCheck {
  const id = 'id' in message ? message.id : undefined;
  return { ok: false, rejection: headerMismatch(id, header, problem, detail) };
}

/**
 * Checks one header against the body value it mirrors. `required`: absence is an error when the
 * body has a value. `encoded`: the header may carry the Base64 sentinel.
 */
function checkOne(
  get: HeaderGetter,
  message: JsonRpcRequest | JsonRpcNotification,
  header: StandardHeader,
  body: string | undefined,
  bodyField: string,
  options: { required: boolean; encoded: boolean },
): HeaderCheck | undefined {
  const raw = get(header);
  if (raw === null) {
    if (options.required && body !== undefined) {
      return fail(message, header, 'missing', `${header} header is required (the body has ${bodyField})`);
    }
    return undefined;
  }
  const value = options.encoded ? decodeHeaderValue(raw) : plainHeaderValue(raw);
  if (value === undefined) {
    return fail(message, header, 'invalid', `${header} header value is not a valid header value`);
  }
  if (body === undefined) {
    return fail(
      message,
      header,
      'mismatch',
      `${header} header value '${value}' has no ${bodyField} in the body`,
    );
  }
  if (value !== body) {
    return fail(
      message,
      header,
      'mismatch',
      `${header} header value '${value}' does not match body value '${body}'`,
    );
  }
  return undefined;
}

function stringAt(params: unknown, field: string): string | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  const value = (params as { [key: string]: unknown })[field];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Checks the standard headers of one 2026-era message against its body, in the spec's order
 * (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`); the first problem is the answer.
 */
export function validateStandardHeaders(
  get: HeaderGetter,
  message: JsonRpcRequest | JsonRpcNotification,
): HeaderCheck {
  const required = 'id' in message;
  const claim = requestMeta(message.params)?.[PROTOCOL_VERSION_META_KEY];
  const version = typeof claim === 'string' ? claim : undefined;
  const nameField = NAME_HEADER_SOURCES.get(message.method);
  // Without a `_meta` claim (a notification, whose `_meta` is optional) the header is the only
  // place the version travels, so there is nothing to compare it with.
  const versionProblem =
    version === undefined
      ? undefined
      : checkOne(get, message, 'MCP-Protocol-Version', version, `_meta["${PROTOCOL_VERSION_META_KEY}"]`, {
          required,
          encoded: false,
        });
  if (versionProblem) return versionProblem;
  const methodProblem = checkOne(get, message, 'Mcp-Method', message.method, 'method', {
    required,
    encoded: false,
  });
  if (methodProblem) return methodProblem;
  if (nameField !== undefined) {
    const nameProblem = checkOne(
      get,
      message,
      'Mcp-Name',
      stringAt(message.params, nameField),
      `params.${nameField}`,
      {
        required,
        encoded: true,
      },
    );
    if (nameProblem) return nameProblem;
  }
  return { ok: true };
}
