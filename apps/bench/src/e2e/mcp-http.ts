/**
 * The few MCP-over-HTTP exchanges the e2e suite makes itself, before loading a setup: wait until it
 * answers, open a front session (2025-11-25 `initialize` + `notifications/initialized`) where the
 * setup keeps sessions, and check that one `tools/call echo` answers exactly as expected.
 */
export const PROTOCOL_VERSION = '2025-11-25';

export const baseHeaders = (): Record<string, string> => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': PROTOCOL_VERSION,
});

/** The 2026-07-28 era: no session; its version travels in a header and in `params._meta`. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** The header the `clients` setups configure as the gateway's affinity key (`switchyard.affinity.key`). */
export const AFFINITY_HEADER = 'x-bench-client';

/** The headers of a 2026-07-28 `tools/call` of `tool` (with the standard `Mcp-Method` / `Mcp-Name`). */
export const modernHeaders = (tool: string): Record<string, string> => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': MODERN_PROTOCOL_VERSION,
  'mcp-method': 'tools/call',
  'mcp-name': tool,
});

/** A 2026-07-28 `tools/call` body (`_meta` carries the version and the client's capabilities). */
export const modernCallBody = (
  tool: string,
  text: string,
  id: number | string = 1,
  argument = 'text',
): string =>
  JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: {
      name: tool,
      arguments: { [argument]: text },
      _meta: {
        'io.modelcontextprotocol/protocolVersion': MODERN_PROTOCOL_VERSION,
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  });

/** A `tools/call` body; the load passes autocannon's `"[<id>]"`, which it replaces with a fresh id each time. */
export const callBody = (tool: string, text: string, id: number | string = 1, argument = 'text'): string =>
  JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: tool, arguments: { [argument]: text } },
  });

/** The JSON-RPC message of an answer given as JSON or as an SSE stream (the last `data:` event with an id). */
export async function readMessage(res: Response): Promise<Record<string, unknown>> {
  const text = await res.text();
  if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    const events = text
      .split(/\r?\n\r?\n/)
      .map((e) =>
        e
          .split(/\r?\n/)
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trimStart())
          .join('\n'),
      )
      .filter(Boolean)
      .map((d) => JSON.parse(d) as Record<string, unknown>);
    const answer = events.findLast((m) => 'id' in m && !('method' in m));
    if (!answer) throw new Error(`no JSON-RPC answer in the event stream: ${text.slice(0, 300)}`);
    return answer;
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`HTTP ${res.status}, not JSON: ${text.slice(0, 300)}`);
  }
}

/** POST initialize until the server answers (it may still be binding its port), within `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs: number, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url, { method: 'GET', signal: AbortSignal.timeout(1000) });
      return;
    } catch (e) {
      if (!alive()) throw new Error(`${url}: the server exited before it answered`);
      if (Date.now() > deadline) throw new Error(`${url}: no answer within ${timeoutMs} ms (${String(e)})`);
      await Bun.sleep(50);
    }
  }
}

/** Opens a front session; returns its `Mcp-Session-Id`. */
export async function openSession(url: string): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: baseHeaders(),
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: 'switchyard-bench', version: '0.0.0' },
      },
    }),
    signal: AbortSignal.timeout(15_000),
  });
  const msg = await readMessage(res);
  const session = res.headers.get('mcp-session-id');
  if (!res.ok || !session || !('result' in msg)) {
    throw new Error(
      `initialize: HTTP ${res.status}, session ${session}, answer ${JSON.stringify(msg).slice(0, 300)}`,
    );
  }
  const note = await fetch(url, {
    method: 'POST',
    headers: { ...baseHeaders(), 'mcp-session-id': session },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    signal: AbortSignal.timeout(5_000),
  });
  await note.text();
  if (note.status !== 202 && note.status !== 200)
    throw new Error(`notifications/initialized: HTTP ${note.status}`);
  return session;
}

/** One `tools/call` of `tool` with `args`; the JSON-RPC answer (throws on a non-2xx or a JSON-RPC error). */
export async function callTool(
  url: string,
  headers: Record<string, string>,
  tool: string,
  args: Record<string, unknown>,
  id = 1,
): Promise<{ content?: { type?: string; text?: string }[]; isError?: boolean }> {
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: tool, arguments: args },
    }),
    signal: AbortSignal.timeout(30_000),
  });
  const msg = await readMessage(res);
  if (!res.ok || !('result' in msg))
    throw new Error(`tools/call ${tool}: HTTP ${res.status}: ${JSON.stringify(msg).slice(0, 300)}`);
  return msg.result as { content?: { type?: string; text?: string }[]; isError?: boolean };
}

/** One `tools/call` of an echo tool in `session` (request id `i`, text `s<i>`), its answer checked. */
export async function echoInSession(url: string, session: string, tool: string, i: number): Promise<void> {
  const text = `s${i}`;
  const result = await callTool(url, { ...baseHeaders(), 'mcp-session-id': session }, tool, { text }, i);
  if (result.isError || result.content?.[0]?.text !== text)
    throw new Error(`${tool}: wrong answer ${JSON.stringify(result).slice(0, 200)}`);
}

/** Ends a front session (`DELETE` with its `Mcp-Session-Id`); its per-session workers go with it. */
export async function closeSession(url: string, session: string): Promise<void> {
  const res = await fetch(url, {
    method: 'DELETE',
    headers: { ...baseHeaders(), 'mcp-session-id': session },
    signal: AbortSignal.timeout(10_000),
  });
  await res.text();
  if (!res.ok) throw new Error(`DELETE session: HTTP ${res.status}`);
}

/**
 * One `tools/call` with the load's own headers and body (`body`: id 1, text `hello`; a 2025 one by
 * default); throws unless it echoes `hello` back.
 */
export async function verifyEcho(
  url: string,
  headers: Record<string, string>,
  tool: string,
  body = callBody(tool, 'hello'),
  text = 'hello',
): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(15_000),
  });
  const msg = await readMessage(res);
  const result = msg.result as
    | { content?: { type?: string; text?: string }[]; isError?: boolean }
    | undefined;
  const first = result?.content?.[0];
  if (!res.ok || msg.id !== 1 || result?.isError || first?.type !== 'text' || first.text !== text) {
    throw new Error(
      `tools/call ${tool}: wrong answer, HTTP ${res.status}: ${JSON.stringify(msg).slice(0, 300)}`,
    );
  }
}
