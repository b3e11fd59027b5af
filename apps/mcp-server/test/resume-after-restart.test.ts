/**
 * `Last-Event-ID` after a restart, end to end: a gateway journals a 2025-11-25 session's call and
 * GET stream, stops; a new gateway on the same journal (another process's epoch) replays the
 * call's stream from any id it issued, priming id included, and carries the GET stream on live.
 */
import { describe, expect, it } from 'vitest';
import { fixtureEntry, post, rawSession, serveGateway, tempDir } from './support/gateway.ts';

const CONFIG = { mcpServers: { fx: fixtureEntry('fx', { tier: 'hot' }) } };
const V = { 'mcp-protocol-version': '2025-11-25' };

interface Event {
  id?: string;
  data?: string;
}

/** Reads SSE events until `enough` (or the end, or 10 s), then cancels the body. */
async function read(
  response: Response,
  enough: (events: Event[]) => boolean = () => false,
): Promise<Event[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const parse = () =>
    text
      .split('\n\n')
      .slice(0, -1)
      .filter((b) => !b.startsWith(':'))
      .map((b) => {
        const event: Event = {};
        for (const line of b.split('\n')) {
          if (line.startsWith('id: ')) event.id = line.slice(4);
          if (line.startsWith('data:')) event.data = line.slice(5).trim();
        }
        return event;
      });
  const deadline = Date.now() + 10_000;
  while (!enough(parse()) && Date.now() < deadline) {
    const { done, value } = await Promise.race([
      reader.read(),
      Bun.sleep(Math.max(0, deadline - Date.now())).then(() => ({ done: true, value: undefined })),
    ]);
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return parse();
}

const resume = (url: string, session: string, lastEventId: string) =>
  fetch(url, {
    headers: { accept: 'text/event-stream', ...V, 'mcp-session-id': session, 'last-event-id': lastEventId },
  });

describe('Last-Event-ID after a restart', () => {
  it('the next gateway on the same journal replays a call from any id it issued and carries the GET stream on', async () => {
    const dir = await tempDir();
    const first = await serveGateway(CONFIG, dir);
    let session: string;
    let call: Event[];
    try {
      session = await rawSession(first.url, V);
      const answer = await post(
        first.url,
        {
          jsonrpc: '2.0',
          id: 5,
          method: 'tools/call',
          params: { name: 'fx__count', arguments: { n: 3, intervalMs: 10 }, _meta: { progressToken: 'p' } },
        },
        { ...V, 'mcp-session-id': session },
      );
      call = await read(answer);
      // Priming, three progress notifications, the answer.
      expect(call).toHaveLength(5);
      expect(call[0]?.id).toMatch(/#0$/);
      const get = await fetch(first.url, {
        headers: { accept: 'text/event-stream', ...V, 'mcp-session-id': session },
      });
      expect((await read(get, (e) => e.length >= 1))[0]?.id).toBe(`${session}.get#0`);
    } finally {
      await first.stop();
    }

    const second = await serveGateway(CONFIG, dir);
    try {
      // From the second progress notification: the third and the answer, then the stream ends.
      const rest = await read(await resume(second.url, session, call[2]!.id!));
      expect(rest.map((e) => e.id)).toEqual([call[3]!.id, call[4]!.id]);
      expect(JSON.parse(rest[1]!.data!)).toMatchObject({
        id: 5,
        result: { content: [{ type: 'text', text: 'counted 3' }] },
      });
      // From the priming id: all of it.
      const all = await read(await resume(second.url, session, call[0]!.id!));
      expect(all.map((e) => e.data)).toEqual(call.slice(1).map((e) => e.data));
      // Another session's stream stays refused.
      const other = await rawSession(second.url, V);
      expect((await resume(second.url, other, call[0]!.id!)).status).toBe(404);

      // The GET stream from its priming id: nothing was journaled on it; this process takes it on
      // live, so it stays open (keep-alives only) and a second GET is refused as for any open one.
      const get = await resume(second.url, session, `${session}.get#0`);
      expect(get.status).toBe(200);
      const held = get.body!.getReader();
      let conflict = 0;
      for (let i = 0; i < 100 && conflict !== 409; i++) {
        const again = await fetch(second.url, {
          headers: { accept: 'text/event-stream', ...V, 'mcp-session-id': session },
        });
        conflict = again.status;
        await again.body?.cancel();
        if (conflict !== 409) await Bun.sleep(20);
      }
      expect(conflict).toBe(409);
      // A new request stream here is named with this process's epoch, not the last one's.
      const next = await post(
        second.url,
        {
          jsonrpc: '2.0',
          id: 6,
          method: 'tools/call',
          params: { name: 'fx__count', arguments: { n: 1, intervalMs: 10 }, _meta: { progressToken: 'q' } },
        },
        { ...V, 'mcp-session-id': session },
      );
      const [priming] = await read(next, (e) => e.length >= 1);
      const epochOf = (id: string) => id.slice(session.length + 1).split('-r')[0];
      expect(priming?.id).toMatch(/-r1(\.[ns][A-Za-z0-9_-]+)?#0$/);
      expect(epochOf(priming!.id!)).not.toBe(epochOf(call[0]!.id!));
      await held.cancel();
    } finally {
      await second.stop();
    }
  });
});
