/**
 * An SSE answer larger than the journal keeps (16 MiB by default) still reaches its client in full;
 * the journal keeps a stand-in with the same id, which a resume replays, and the operator's log
 * says so. Over real HTTP to a real gateway with a real stdio backend.
 */
import { describe, expect, it } from 'vitest';
import { post, rawSession, startInProcess } from './support/gateway.ts';

const BIG = new URL('./fixtures/big-server.ts', import.meta.url).pathname;
// Two bytes each in UTF-8: over the journal's 16 MiB of bytes, within a stdio line's 16 Mi characters.
const CHARS = 9 * 1024 * 1024;

describe('an SSE answer of any size finishes', () => {
  it('an 18 MiB answer reaches the client; the journal replays a stand-in naming its size', async () => {
    const { url } = await startInProcess({
      mcpServers: { big: { command: process.execPath, args: [BIG], tier: 'hot' } },
    });
    const session = await rawSession(url);
    const response = await post(
      url,
      {
        jsonrpc: '2.0',
        id: 5,
        method: 'tools/call',
        params: { name: 'big__big', arguments: { chars: CHARS, char: 'é' }, _meta: { progressToken: 'p' } },
      },
      { 'mcp-session-id': session },
    );
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    const events = text
      .split('\n\n')
      .filter((e) => e.includes('data: '))
      .map((e) => ({
        id: /^id: (.*)$/m.exec(e)?.[1],
        message: JSON.parse(/^data: (.*)$/m.exec(e)?.[1] ?? 'null') as {
          id?: number;
          method?: string;
          result?: { content: { text: string }[] };
        },
      }));
    expect(events.map((e) => e.message.method ?? 'response')).toEqual(['notifications/progress', 'response']);
    const answer = events[1];
    expect(answer?.message.id).toBe(5);
    expect(answer?.message.result?.content[0]?.text.length).toBe(CHARS);

    // A resume from the progress event replays what the journal kept: a stand-in of the same id.
    const resumed = await fetch(url, {
      headers: {
        accept: 'text/event-stream',
        'mcp-session-id': session,
        'last-event-id': events[0]?.id ?? '',
      },
    });
    expect(resumed.status).toBe(200);
    const replay = await resumed.text();
    const data = /^data: (.*)$/m.exec(replay)?.[1] ?? 'null';
    const standIn = JSON.parse(data) as { id: number; error: { message: string; data: unknown } };
    expect(standIn.id).toBe(5);
    expect(standIn.error.message).toMatch(/more than the journal keeps/);
    expect(standIn.error.data).toEqual({ 'switchyard/truncated': { bytes: expect.any(Number) } });
  });

  it("a stdio backend's answer over its line limit (16 Mi characters) fails the call at once; the backend goes on", async () => {
    const { url } = await startInProcess({
      mcpServers: {
        big: { command: process.execPath, args: [BIG], tier: 'hot', timeouts: { callMs: 600_000 } },
      },
    });
    const session = await rawSession(url);
    const call = (id: number, chars: number) =>
      post(
        url,
        { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'big__big', arguments: { chars } } },
        { 'mcp-session-id': session },
      ).then(
        (r) =>
          r.json() as Promise<{
            id: number;
            result?: { content: { text: string }[] };
            error?: { code: number; message: string };
          }>,
      );
    // The call's timeout is ten minutes: an answer here means it did not wait for it.
    const failed = await call(6, 17 * 1024 * 1024);
    expect(failed.id).toBe(6);
    expect(failed.error?.code).toBe(-32603);
    expect(failed.error?.message).toMatch(/line of \d+ characters, over the limit of 16777216/);
    const ok = await call(7, 10);
    expect(ok.result?.content[0]?.text).toBe('x'.repeat(10));
  });
});
