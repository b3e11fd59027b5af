/**
 * `Last-Event-ID` resumption for 2025 clients, served from the journal: a client that loses a
 * call's SSE stream reconnects with GET and gets the rest — nothing lost, nothing twice.
 */
import { describe, expect, it } from 'vitest';
import { fixtureEntry, post, rawSession, startInProcess } from './support/gateway.ts';

interface Event {
  id: string | undefined;
  data: { id?: unknown; method?: string; params?: { progress?: number }; result?: unknown };
}

/**
 * Reads SSE events until `stop` says so (or the stream ends), then cancels the body: whatever
 * arrived past that event is dropped, as by a client whose connection broke there.
 */
async function readEvents(response: Response, stop: (events: Event[]) => boolean): Promise<Event[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: Event[] = [];
  let buffered = '';
  const deadline = Date.now() + 10_000;
  while (!stop(events) && Date.now() < deadline) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let end = buffered.indexOf('\n\n');
    while (end >= 0 && !stop(events)) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = block.split('\n').find((l) => l.startsWith('data: '));
      const id = block.split('\n').find((l) => l.startsWith('id: '));
      if (data) events.push({ id: id?.slice(4), data: JSON.parse(data.slice(6)) });
      end = buffered.indexOf('\n\n');
    }
  }
  await reader.cancel();
  return events;
}

const CONFIG = { mcpServers: { fx: fixtureEntry('fx', { tier: 'hot' }) } };

describe('Last-Event-ID resumption', () => {
  it('replays what the client missed after a disconnect, then the rest live: every event, once, in order', async () => {
    const { url } = await startInProcess(CONFIG);
    const session = await rawSession(url);
    // `fx__count` emits exactly N progress notifications numbered 1…N, then its answer: a known
    // count, so a lost event shows as a gap.
    const N = 40;
    const call = await post(
      url,
      {
        jsonrpc: '2.0',
        id: 41,
        method: 'tools/call',
        params: { name: 'fx__count', arguments: { n: N, intervalMs: 10 }, _meta: { progressToken: 'p' } },
      },
      { 'mcp-session-id': session },
    );
    expect(call.headers.get('content-type')).toBe('text/event-stream');
    // Drop the connection after a few events (anything read past them but unparsed is lost with it).
    const before = await readEvents(call, (e) => e.length >= 3);
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(before.every((e) => e.id !== undefined)).toBe(true);
    const last = before.at(-1)!;
    // Gone for a while: messages keep coming meanwhile, into the journal.
    await new Promise((r) => setTimeout(r, 150));
    const resumed = await fetch(url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'last-event-id': last.id! },
    });
    expect(resumed.status).toBe(200);
    const after = await readEvents(resumed, (e) => e.some((x) => x.data.id === 41));
    const all = [...before, ...after];
    const progress = all.map((e) => e.data.params?.progress).filter((p) => p !== undefined);
    // Nothing lost, nothing twice, in order: exactly 1…N.
    expect(progress).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    // The resumed stream carried some of them (the disconnect really fell mid-call).
    expect(after.some((e) => e.data.params?.progress !== undefined)).toBe(true);
    const response = after.find((e) => e.data.id === 41);
    expect(response?.data.result).toEqual({ content: [{ type: 'text', text: `counted ${N}` }] });
  });

  it('refuses a malformed Last-Event-ID (400) and one of another session (404)', async () => {
    const { url } = await startInProcess(CONFIG);
    const [a, b] = await Promise.all([rawSession(url), rawSession(url)]);
    const get = (session: string, lastEventId: string) =>
      fetch(url, {
        headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'last-event-id': lastEventId },
      });
    expect((await get(a, 'not an id')).status).toBe(400);
    expect((await get(a, `${b}.r1#1`)).status).toBe(404);
  });
});
