/**
 * Sessions that outlive the process: the real CLI, stopped (SIGTERM) or killed (SIGKILL) and
 * started again on the same port and journal, with a real SDK v1 client that keeps its
 * `Mcp-Session-Id` and never initializes again. A shared backend serves it as before; a
 * per-session backend, whose worker died with the old process, says so once (-32051), then
 * serves it afresh — or, with `sessions.stateLost: "end-session"`, the session ends (404).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { createJournal, type Session, sqliteDriver } from '@switchyard/journal';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../tooling/testing/ports.ts';
import {
  connectClient,
  fixtureEntry,
  INITIALIZE,
  post,
  runServe,
  type ServeProcess,
  tempDir,
} from './support/gateway.ts';
import { EVERYTHING } from './support/third-party.ts';

const SESSION_STATE_LOST = -32051;

/** The real CLI serving `config` on `port` (the two processes of a case serve in turn on one port). */
function serve(config: string, port: number, cwd: string): Promise<ServeProcess> {
  return runServe(['--config', config, '--port', String(port)], { cwd });
}

async function setup(sessions: Record<string, unknown> = {}) {
  const dir = await tempDir();
  const config = join(dir, 'switchyard.json');
  await writeFile(
    config,
    JSON.stringify({
      mcpServers: {
        fx: fixtureEntry('fx'),
        mine: fixtureEntry('mine', { isolation: 'per-session' }),
      },
      switchyard: { journal: { path: join(dir, 'journal.db') }, sessions },
    }),
  );
  return { dir, config, port: freePort() };
}

/** Waits (at most 10 s) until the journal file holds `sessionId`'s record as `ok` wants it. */
async function recorded(path: string, sessionId: string, ok: (s: Session) => boolean): Promise<void> {
  const journal = await createJournal({
    driver: sqliteDriver({ path, readonly: true, integrityCheck: 'off' }),
    sessionTtlMs: null,
  });
  try {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const session = await journal.getSession(sessionId);
      if (session && ok(session)) return;
      if (Date.now() > deadline) throw new Error(`the journal never held ${sessionId} as expected`);
      await Bun.sleep(50);
    }
  } finally {
    await journal.close();
  }
}

function textOf(result: unknown): string {
  return (result as { content: { text: string }[] }).content.map((c) => c.text).join('');
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

// Each case starts the gateway twice (a few seconds on a busy machine): a generous bound.
describe('sessions that outlive the process', { timeout: 60_000 }, () => {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`a 2025 client keeps its session across a restart (${signal}): lists and calls go on; a per-session backend's lost state is said once`, async () => {
      const { dir, config, port } = await setup();
      const first = await serve(config, port, dir);
      const client = await connectClient(first.url);
      await client.setLoggingLevel('debug');
      expect(textOf(await client.callTool({ name: 'fx__echo', arguments: { text: 'before' } }))).toBe(
        'before',
      );
      expect(textOf(await client.callTool({ name: 'mine__echo', arguments: { text: 'mine' } }))).toBe('mine');
      // The journal's group commit lands within milliseconds; a SIGKILL right after a call may beat
      // it: wait until the record (with the per-session backend bound) is in the file.
      const sessionId = (client.transport as { sessionId?: string } | undefined)?.sessionId ?? '';
      await recorded(join(dir, 'journal.db'), sessionId, (s) => s.bindings.mine !== undefined);
      first.child.kill(signal);
      expect(await first.child.exited).toBe(signal === 'SIGTERM' ? 0 : 137);

      const second = await serve(config, port, dir);
      expect(second.url).toBe(first.url);
      // The same client, the same session: no initialize.
      expect(textOf(await client.callTool({ name: 'fx__echo', arguments: { text: 'after' } }))).toBe('after');
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(
        expect.arrayContaining(['fx__echo', 'mine__echo']),
      );
      const lost = await failure(client.callTool({ name: 'mine__echo', arguments: { text: 'again' } }));
      expect(lost).toBeInstanceOf(McpError);
      expect((lost as McpError).code).toBe(SESSION_STATE_LOST);
      expect((lost as McpError).message).toContain('backend "mine"');
      expect((lost as McpError).message).toContain('state is lost');
      // Said once: the next call gets a fresh worker.
      expect(textOf(await client.callTool({ name: 'mine__echo', arguments: { text: 'fresh' } }))).toBe(
        'fresh',
      );
    });
  }

  it('a session id no process held, or one ended with DELETE, is 404 after the restart too', async () => {
    const { dir, config, port } = await setup();
    const first = await serve(config, port, dir);
    const kept = (await post(first.url, INITIALIZE)).headers.get('mcp-session-id') ?? '';
    const ended = (await post(first.url, INITIALIZE)).headers.get('mcp-session-id') ?? '';
    expect((await fetch(first.url, { method: 'DELETE', headers: { 'mcp-session-id': ended } })).status).toBe(
      200,
    );
    first.child.kill('SIGTERM');
    await first.child.exited;

    const second = await serve(config, port, dir);
    const ping = (id: string) =>
      post(
        second.url,
        { jsonrpc: '2.0', id: 7, method: 'ping' },
        { 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' },
      );
    expect((await ping(kept)).status).toBe(200);
    expect((await ping(ended)).status).toBe(404);
    expect((await ping('0123456789abcdef0123456789abcdef')).status).toBe(404);
    // DELETE of a session the new process has not seen yet ends it all the same.
    expect((await fetch(second.url, { method: 'DELETE', headers: { 'mcp-session-id': kept } })).status).toBe(
      200,
    );
    expect((await ping(kept)).status).toBe(404);
  });

  it('with sessions.stateLost "end-session", the call to the per-session backend ends the session (404)', async () => {
    const { dir, config, port } = await setup({ stateLost: 'end-session' });
    const first = await serve(config, port, dir);
    const client = await connectClient(first.url);
    expect(textOf(await client.callTool({ name: 'mine__echo', arguments: { text: 'mine' } }))).toBe('mine');
    const sessionId = (client.transport as { sessionId?: string } | undefined)?.sessionId ?? '';
    expect(sessionId).not.toBe('');
    first.child.kill('SIGTERM');
    await first.child.exited;

    const second = await serve(config, port, dir);
    const call = (name: string) =>
      post(
        second.url,
        { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name, arguments: { text: 'x' } } },
        { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
      );
    expect((await call('fx__echo')).status).toBe(200);
    const ended = await call('mine__echo');
    expect(ended.status).toBe(404);
    expect(JSON.stringify(await ended.json())).toContain('the session is ended');
    expect((await call('fx__echo')).status).toBe(404);
  });

  it('a call in flight when the process died ends, on resume, with an error saying its outcome is unknown — the same on every resume', async () => {
    const { dir, config, port } = await setup();
    const first = await serve(config, port, dir);
    const headers = { 'mcp-protocol-version': '2025-11-25' };
    const sessionId = (await post(first.url, INITIALIZE, headers)).headers.get('mcp-session-id') ?? '';
    const call = await post(
      first.url,
      {
        jsonrpc: '2.0',
        id: 'slow-1',
        method: 'tools/call',
        params: { name: 'fx__sleep', arguments: { ms: 60_000 }, _meta: { progressToken: 1 } },
      },
      { ...headers, 'mcp-session-id': sessionId },
    );
    expect(call.headers.get('content-type')).toContain('text/event-stream');
    // Read up to the first progress event: the call is running at the backend.
    const reader = (call.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('notifications/progress')) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`the stream ended early: ${text}`);
      text += new TextDecoder().decode(value);
    }
    const priming = /^id: (\S+#0)$/m.exec(text)?.[1];
    expect(priming).toBeDefined();
    first.child.kill('SIGKILL');
    await first.child.exited;
    await reader.cancel().catch(() => {});

    const second = await serve(config, port, dir);
    const resume = async () => {
      const r = await fetch(second.url, {
        headers: {
          ...headers,
          accept: 'text/event-stream',
          'mcp-session-id': sessionId,
          'last-event-id': priming ?? '',
        },
      });
      expect(r.status).toBe(200);
      // The stream ends (no hang): its text is complete.
      return r.text();
    };
    const replay = await resume();
    const answers = replay
      .split('\n')
      .filter((l) => l.startsWith('data: ') && l.length > 6)
      .map((l) => JSON.parse(l.slice(6)) as { id?: unknown; error?: { code: number; message: string } });
    const answer = answers.find((m) => m.id === 'slow-1');
    expect(answer?.error?.code).toBe(-32000);
    expect(answer?.error?.message).toContain('outcome is unknown');
    // Journaled: a second resume ends the same way, with one answer.
    const again = await resume();
    expect(again.split('"id":"slow-1"').length - 1).toBe(1);
  });

  it("a restored session's resource subscriptions are made again at a shared backend: its updates arrive (real server-everything)", {
    timeout: 60_000,
  }, async () => {
    const dir = await tempDir();
    const config = join(dir, 'switchyard.json');
    await writeFile(
      config,
      JSON.stringify({
        mcpServers: { everything: { command: process.execPath, args: [EVERYTHING, 'stdio'], tier: 'hot' } },
        switchyard: { journal: { path: join(dir, 'journal.db') } },
      }),
    );
    const port = freePort();
    const headers = { 'mcp-protocol-version': '2025-11-25' };
    const uri = 'demo://resource/dynamic/text/1';
    const first = await serve(config, port, dir);
    const sessionId = (await post(first.url, INITIALIZE, headers)).headers.get('mcp-session-id') ?? '';
    const inSession = { ...headers, 'mcp-session-id': sessionId };
    const subscribed = await post(
      first.url,
      { jsonrpc: '2.0', id: 2, method: 'resources/subscribe', params: { uri } },
      inSession,
    );
    expect(subscribed.status).toBe(200);
    await subscribed.text();
    await Bun.sleep(300);
    first.child.kill('SIGTERM');
    await first.child.exited;

    const second = await serve(config, port, dir);
    // The session's GET stream on the new process (this restores the session and subscribes again).
    const get = await fetch(second.url, { headers: { ...inSession, accept: 'text/event-stream' } });
    expect(get.status).toBe(200);
    const reader = (get.body as ReadableStream<Uint8Array>).getReader();
    const toggle = async () => {
      const r = await post(
        second.url,
        {
          jsonrpc: '2.0',
          id: `t${Math.random()}`,
          method: 'tools/call',
          params: { name: 'everything__toggle-subscriber-updates', arguments: {} },
        },
        inSession,
      );
      return r.text();
    };
    // Give the re-subscription a moment to reach the backend, then start its updates.
    await Bun.sleep(500);
    expect(await toggle()).toContain('Started simulated resource updated');
    let text = '';
    const deadline = Date.now() + 12_000;
    try {
      while (!text.includes('notifications/resources/updated') && Date.now() < deadline) {
        const next = await Promise.race([
          reader.read(),
          Bun.sleep(Math.max(0, deadline - Date.now())).then(() => ({ done: true, value: undefined })),
        ]);
        if (next.done) break;
        text += new TextDecoder().decode(next.value);
      }
    } finally {
      await toggle();
      await reader.cancel().catch(() => {});
    }
    expect(text).toContain('notifications/resources/updated');
    expect(text).toContain(uri);
  });
});
