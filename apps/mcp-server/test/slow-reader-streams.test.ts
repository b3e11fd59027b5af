/**
 * A client that does not read a 2026 SSE answer (or listen), or a dashboard event stream, is dropped
 * once more than `bufferedBytesPerStream` waits for it: that stream only, never the process; counted
 * as `slow-reader`. Raw TCP clients that stop reading (`pause()`), over real HTTP on 127.0.0.1.
 */
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type SnapshotSource, snapshotStream } from '../src/dashboard/events.ts';
import type { DashboardSnapshot } from '../src/dashboard/snapshot.ts';
import { modernPost, startInProcess } from './support/gateway.ts';

const BIG = new URL('./fixtures/big-server.ts', import.meta.url).pathname;
const MODERN = '2026-07-28';
const META = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientCapabilities': {},
  progressToken: 'p',
};

/** Sends one HTTP request on a raw socket, then never reads what comes back. */
function unreadRequest(origin: string, head: string, body = ''): Socket {
  const { hostname, port } = new URL(origin);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => {});
  socket.on('connect', () => {
    socket.write(`${head}\r\nhost: ${hostname}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    socket.pause();
  });
  return socket;
}

async function slowReaders(origin: string): Promise<number> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const m = /^switchyard_admissions_refused_total\{reason="slow-reader"\} (\d+)/m.exec(text);
  return Number(m?.[1] ?? 0);
}

describe('slow readers of 2026 streams and the dashboard', () => {
  it('a 2026 SSE answer not read is dropped past bufferedBytesPerStream; the gateway goes on', async () => {
    const { url, origin } = await startInProcess({
      mcpServers: { big: { command: process.execPath, args: [BIG], tier: 'hot' } },
      switchyard: { limits: { bufferedBytesPerStream: 64 * 1024 } },
    });
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      // About 16 MB of progress: more than the socket buffers and the bound hold together.
      params: { name: 'big__flood', arguments: { count: 500, chars: 32 * 1024 }, _meta: META },
    });
    const socket = unreadRequest(
      origin,
      [
        `POST ${new URL(url).pathname} HTTP/1.1`,
        'content-type: application/json',
        'accept: application/json, text/event-stream',
        `mcp-protocol-version: ${MODERN}`,
        'mcp-method: tools/call',
        'mcp-name: big__flood',
      ].join('\r\n'),
      body,
    );
    try {
      let dropped = 0;
      for (let i = 0; i < 600 && dropped === 0; i++) {
        await Bun.sleep(50);
        dropped = await slowReaders(origin);
      }
      expect(dropped).toBe(1);
    } finally {
      socket.destroy();
    }
    const after = await modernPost(
      url,
      {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'big__big', arguments: { chars: 3 }, _meta: { ...META, progressToken: undefined } },
      },
      { 'mcp-name': 'big__big' },
    );
    const answer = (await after.json()) as { result: { content: { text: string }[] } };
    expect(answer.result.content[0]?.text).toBe('xxx');
  });

  it('a subscriptions/listen not read is dropped past bufferedBytesPerStream; the gateway goes on', async () => {
    const { url, origin } = await startInProcess({
      mcpServers: { big: { command: process.execPath, args: [BIG], tier: 'hot' } },
      switchyard: { limits: { bufferedBytesPerStream: 64 * 1024 } },
    });
    const { progressToken: _, ...meta } = META;
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 'watch',
      method: 'subscriptions/listen',
      params: { _meta: meta, notifications: { resourceSubscriptions: ['big://r'] } },
    });
    const socket = unreadRequest(
      origin,
      [
        `POST ${new URL(url).pathname} HTTP/1.1`,
        'content-type: application/json',
        'accept: application/json, text/event-stream',
        `mcp-protocol-version: ${MODERN}`,
        'mcp-method: subscriptions/listen',
      ].join('\r\n'),
      body,
    );
    const updates = () =>
      modernPost(
        url,
        {
          jsonrpc: '2.0',
          id: 3,
          method: 'tools/call',
          params: { name: 'big__updates', arguments: { count: 100, chars: 32 * 1024 }, _meta: meta },
        },
        { 'mcp-name': 'big__updates' },
      ).then((r) => r.json() as Promise<{ result?: { content: { text: string }[] } }>);
    try {
      let dropped = 0;
      // Each round sends about 3 MB of updates to the listen nobody reads.
      for (let i = 0; i < 40 && dropped === 0; i++) {
        expect((await updates()).result?.content[0]?.text).toBe('done');
        dropped = await slowReaders(origin);
      }
      expect(dropped).toBe(1);
    } finally {
      socket.destroy();
    }
    expect((await updates()).result?.content[0]?.text).toBe('done');
  });

  it('a dashboard event stream not read is dropped past its bound', async () => {
    // A source whose every snapshot is large (one alone is over the bound) and always changing.
    const pad = 'z'.repeat(256 * 1024);
    let listener: (() => void) | undefined;
    const source: SnapshotSource = {
      snapshot: () => ({ at: new Date().toISOString(), pad }) as unknown as DashboardSnapshot,
      subscribe: (l) => {
        listener = l;
        return () => {
          listener = undefined;
        };
      },
    };
    let dropped = 0;
    const server = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: () =>
        snapshotStream(source, {
          intervalMs: 20,
          maxBufferedBytes: 64 * 1024,
          onSlowReader: () => dropped++,
        }),
    });
    // A reader that keeps up gets whole snapshots, each larger than the bound.
    const response = await fetch(`http://127.0.0.1:${server.port}/dashboard/events`);
    const reader = response.body!.getReader();
    let text = '';
    let reads = 0;
    for (let i = 0; i < 10_000 && (text.match(/event: snapshot/g)?.length ?? 0) < 3; i++) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
      reads++;
    }
    expect(text.match(/event: snapshot/g)?.length).toBeGreaterThanOrEqual(3);
    await reader.cancel();
    expect(dropped).toBe(0);
    const socket = unreadRequest(`http://127.0.0.1:${server.port}`, 'GET /dashboard/events HTTP/1.1');
    try {
      for (let i = 0; i < 600 && dropped === 0; i++) {
        await Bun.sleep(50);
        listener?.();
      }
      expect(dropped).toBe(1);
      expect(reads).toBeGreaterThan(0);
      // The dropped stream let go of the source.
      expect(listener).toBeUndefined();
    } finally {
      socket.destroy();
      server.stop(true);
    }
  });
});
