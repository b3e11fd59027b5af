/**
 * The standard request headers of MCP 2026-07-28 on the gateway's requests to a remote: a POST whose
 * body carries the 2026 `_meta` envelope gets `MCP-Protocol-Version` (from `_meta`), `Mcp-Method` and,
 * for `tools/call` / `prompts/get` / `resources/read`, `Mcp-Name` — values that are not plain
 * header-safe ASCII in the `=?base64?…?=` form. Other requests go out as they are.
 */
import { NAME_HEADER_SOURCES, PROTOCOL_VERSION_META_KEY } from '@switchyard/coordinator';

const PLAIN = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** A header value as the revision asks: as is when plain ASCII, else Base64 of its UTF-8. */
export function headerValue(value: string): string {
  if (PLAIN.test(value) && !/^=\?base64\?.*\?=$/.test(value)) return value;
  return `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** The headers to add for `body` (a JSON-RPC message as text), or none. */
export function modernHeaders(body: string): Record<string, string> | undefined {
  if (!body.includes(PROTOCOL_VERSION_META_KEY)) return undefined;
  let message: { method?: unknown; params?: Record<string, unknown> };
  try {
    message = JSON.parse(body) as typeof message;
  } catch {
    return undefined;
  }
  const meta = message.params?._meta as Record<string, unknown> | undefined;
  const version = meta?.[PROTOCOL_VERSION_META_KEY];
  if (typeof version !== 'string' || typeof message.method !== 'string') return undefined;
  const headers: Record<string, string> = {
    'mcp-protocol-version': version,
    'mcp-method': headerValue(message.method),
  };
  const source = NAME_HEADER_SOURCES.get(message.method);
  const name = source === undefined ? undefined : message.params?.[source];
  if (typeof name === 'string') headers['mcp-name'] = headerValue(name);
  return headers;
}

/**
 * `fetch` with the 2026 headers added to the POSTs that need them — while `modern()` says the
 * connection speaks 2026 (or does not know yet: the handshake's `server/discover`). On a connection
 * found to speak 2025, a request a 2026 client sent (its `_meta` still naming 2026-07-28) goes
 * without them: a 2025 server refuses an `MCP-Protocol-Version` it does not know.
 */
export function modernFetchWhen(modern: () => boolean): typeof fetch {
  return Object.assign(
    (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) =>
      modern() ? modernFetch(input, init) : fetch(input, init),
    { preconnect: fetch.preconnect },
  );
}

/** `fetch` with the 2026 headers added to the POSTs that need them. */
export const modernFetch: typeof fetch = Object.assign(
  (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    if (init?.method === 'POST' && typeof init.body === 'string') {
      const extra = modernHeaders(init.body);
      if (extra) {
        const headers = new Headers(init.headers);
        for (const [k, v] of Object.entries(extra)) headers.set(k, v);
        return fetch(input, { ...init, headers });
      }
    }
    return fetch(input, init);
  },
  { preconnect: fetch.preconnect },
);
