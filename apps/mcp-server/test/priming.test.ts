/**
 * Priming events (2025-11-25 transports): every resumable SSE stream of a 2025-11-25 client — a
 * call's SSE answer, the session's GET stream — opens with an event that has an id, a `retry:`
 * and empty data, so a client that loses the connection before any message can still resume.
 * Earlier revisions get none. A real gateway in this process, raw HTTP, and the SDK v1 client.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { PRIMING_RETRY_MS } from '../src/http/resumable.ts';
import { fixtureEntry, INITIALIZE, post, rawSession, startInProcess } from './support/gateway.ts';

const CONFIG = { mcpServers: { fx: fixtureEntry('fx', { tier: 'hot' }) } };

interface Block {
  id?: string;
  retry?: string;
  data?: string;
  comment: boolean;
}

/** The SSE text's blocks, field by field (`data` as sent: '' for an empty data line). */
function blocks(text: string): Block[] {
  return text
    .split('\n\n')
    .filter((b) => b.length > 0)
    .map((b) => {
      const block: Block = { comment: b.startsWith(':') };
      for (const line of b.split('\n')) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const field = line.slice(0, colon);
        const value = line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id' || field === 'retry' || field === 'data') block[field] = value;
      }
      return block;
    });
}

/** Reads the SSE body until `enough` holds of the blocks so far (bounded: 10 s), then cancels it. */
async function readUntil(response: Response, enough: (b: Block[]) => boolean): Promise<Block[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + 10_000;
  while (!enough(blocks(text)) && Date.now() < deadline) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return blocks(text);
}

const events = (bs: Block[]) => bs.filter((b) => !b.comment);

function countCall(id: number, headers: Record<string, string>, url: string, session: string) {
  return post(
    url,
    {
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: 'fx__count', arguments: { n: 3, intervalMs: 20 }, _meta: { progressToken: 'p' } },
    },
    { ...headers, 'mcp-session-id': session },
  );
}

describe('priming events', () => {
  it("a 2025-11-25 call's SSE answer opens with id …#0, retry and empty data; that id replays the whole stream", async () => {
    const { url } = await startInProcess(CONFIG);
    const v = { 'mcp-protocol-version': '2025-11-25' };
    const session = await rawSession(url, v);
    const call = await countCall(7, v, url, session);
    expect(call.headers.get('content-type')).toBe('text/event-stream');
    const answer = events(await readUntil(call, () => false));
    const [priming, ...messages] = answer;
    expect(priming?.id).toMatch(
      new RegExp(`^${session.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.[0-9a-z]+-r1\\.n\\d+#0$`),
    );
    expect(priming?.retry).toBe(String(PRIMING_RETRY_MS));
    expect(priming?.data).toBe('');
    // Then the messages: three progress notifications and the answer, numbered on from the priming id.
    const stream = priming!.id!.slice(0, -2);
    expect(messages.map((m) => m.id)).toEqual([1, 2, 3, 4].map((n) => `${stream}#${n}`));
    const parsed = messages.map(
      (m) => JSON.parse(m.data!) as { id?: number; params?: { progress?: number } },
    );
    expect(parsed.map((m) => m.params?.progress)).toEqual([1, 2, 3, undefined]);
    expect(parsed.at(-1)?.id).toBe(7);

    // A client that kept only the priming id resumes from the stream's first event.
    const resumed = await fetch(url, {
      headers: {
        accept: 'text/event-stream',
        ...v,
        'mcp-session-id': session,
        'last-event-id': priming!.id!,
      },
    });
    expect(resumed.status).toBe(200);
    const replayed = events(await readUntil(resumed, () => false));
    expect(replayed.map((m) => m.id)).toEqual(messages.map((m) => m.id));
    expect(replayed.map((m) => m.data)).toEqual(messages.map((m) => m.data));
  });

  it('the GET stream of a 2025-11-25 session opens primed; earlier revisions get messages only', async () => {
    const { url } = await startInProcess(CONFIG);
    const v = { 'mcp-protocol-version': '2025-11-25' };
    const session = await rawSession(url, v);
    const get = await fetch(url, {
      headers: { accept: 'text/event-stream', ...v, 'mcp-session-id': session },
    });
    expect(get.status).toBe(200);
    const [priming] = events(await readUntil(get, (b) => events(b).length >= 1));
    expect(priming).toMatchObject({ id: `${session}.get#0`, retry: String(PRIMING_RETRY_MS), data: '' });

    // 2025-06-18: no priming event on a call's answer nor on the GET stream.
    const old = { 'mcp-protocol-version': '2025-06-18' };
    const initialized = await post(
      url,
      { ...INITIALIZE, params: { ...INITIALIZE.params, protocolVersion: '2025-06-18' } },
      old,
    );
    const oldSession = initialized.headers.get('mcp-session-id')!;
    expect(oldSession).toBeTruthy();
    await post(
      url,
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { ...old, 'mcp-session-id': oldSession },
    );
    const call = await countCall(8, old, url, oldSession);
    const answer = events(await readUntil(call, () => false));
    expect(answer.every((e) => e.retry === undefined && e.data !== '')).toBe(true);
    expect(answer.map((e) => e.id?.split('#')[1])).toEqual(['1', '2', '3', '4']);
    const oldGet = await fetch(url, {
      headers: { accept: 'text/event-stream', ...old, 'mcp-session-id': oldSession },
    });
    expect(oldGet.status).toBe(200);
    // Only the opening comment (and keep-alives) until a message: no event at all.
    const quiet = await readUntil(oldGet, (b) => b.length >= 2);
    expect(events(quiet)).toEqual([]);
  });

  it('the SDK v1 client works with priming: calls with progress, no errors, and it resumes from the priming id', async () => {
    const { url } = await startInProcess(CONFIG);
    // The client's own fetch, watched: what it received on its SSE answers.
    const seen: string[] = [];
    const watching: typeof fetch = Object.assign(
      async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
        const response = await fetch(input, init);
        if (init?.method === 'POST' && response.headers.get('content-type') === 'text/event-stream') {
          void response
            .clone()
            .text()
            .then(
              (t) => seen.push(t),
              () => {},
            );
        }
        return response;
      },
      { preconnect: fetch.preconnect },
    );
    const client = new Client({ name: 'priming-test', version: '1.0.0' }, { capabilities: {} });
    const transport = new StreamableHTTPClientTransport(new URL(url), { fetch: watching });
    const errors: unknown[] = [];
    client.onerror = (error) => errors.push(error);
    await client.connect(transport);
    try {
      expect(transport.protocolVersion).toBe('2025-11-25');
      const progress: number[] = [];
      const tokens: string[] = [];
      const result = await client.callTool(
        { name: 'fx__count', arguments: { n: 5, intervalMs: 20 } },
        undefined,
        {
          onprogress: (p) => progress.push(p.progress),
          onresumptiontoken: (token) => tokens.push(token),
        },
      );
      expect(result.content).toEqual([{ type: 'text', text: 'counted 5' }]);
      expect(progress).toEqual([1, 2, 3, 4, 5]);
      // The first token the client held was the priming id, before any message.
      expect(tokens[0]).toMatch(/^.+-r\d+\.n\d+#0$/);
      expect(tokens.slice(1).map((t) => t.split('#')[1])).toEqual(['1', '2', '3', '4', '5', '6']);
      for (let i = 0; i < 100 && seen.length === 0; i++) await Bun.sleep(10);
      const answer = events(blocks(seen[0] ?? ''));
      expect(answer[0]).toEqual({ id: tokens[0], retry: String(PRIMING_RETRY_MS), data: '', comment: false });
      // The empty data was skipped, not parsed as a message.
      expect(errors).toEqual([]);

      // The SDK resumes a call from a token alone (GET with Last-Event-ID): from the priming id it
      // gets the whole answer again, from the journal.
      const again = await client.request(
        { method: 'tools/call', params: { name: 'fx__count', arguments: { n: 5, intervalMs: 20 } } },
        CallToolResultSchema,
        { resumptionToken: tokens[0] },
      );
      expect(again.content).toEqual([{ type: 'text', text: 'counted 5' }]);
    } finally {
      await client.close().catch(() => {});
    }
  });
});
