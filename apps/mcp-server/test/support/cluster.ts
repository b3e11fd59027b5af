/**
 * Gateway nodes sharing one Redis, as the several-node and load-balancer tests run them: each node is
 * the real CLI (`serve --port 0`) in its own directory with its own SQLite journal and `journal.redis`
 * on the shared server, the repo's stdio fixture as a shared backend. Requests are raw HTTP so a test
 * can send them to any node or to a balancer in front of them.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { fixtureEntry, INITIALIZE, post, runServe, tempDir } from './gateway.ts';

export interface Node {
  name: string;
  url: string;
  child: ReturnType<typeof Bun.spawn>;
  journalPath: string;
  stderr(): string;
}

/** A config file in `dir`: its own SQLite journal, the shared Redis. */
export async function nodeConfig(
  dir: string,
  redis: { url: string; keyPrefix: string },
  sessions: Record<string, unknown> = {},
  extra: NodeExtras = {},
): Promise<string> {
  const file = join(dir, 'switchyard.json');
  await writeFile(
    file,
    JSON.stringify({
      mcpServers: { fx: fixtureEntry('fx', extra.fx), ...extra.mcpServers },
      switchyard: { journal: { path: join(dir, 'journal.db'), redis }, sessions, ...extra.switchyard },
    }),
  );
  return file;
}

/** More of a node's config: the fixture entry's keys, other `switchyard` keys. */
export interface NodeExtras {
  fx?: Record<string, unknown>;
  /** More backends beside the fixture `fx`. */
  mcpServers?: Record<string, unknown>;
  switchyard?: Record<string, unknown>;
}

/** A gateway node: the real CLI in its own directory, its URL read from its first stdout line. */
export async function startNode(
  name: string,
  redis: { url: string; keyPrefix: string },
  options: { sessions?: Record<string, unknown>; env?: Record<string, string> } & NodeExtras = {},
): Promise<Node> {
  const dir = await tempDir();
  const config = await nodeConfig(dir, redis, options.sessions, options);
  const served = await runServe(['--config', config, '--port', '0'], { cwd: dir, env: options.env ?? {} });
  return {
    name,
    url: served.url,
    child: served.child,
    journalPath: join(dir, 'journal.db'),
    stderr: served.stderr,
  };
}

export interface Answer {
  status: number;
  id: number;
  headers: Headers;
  events: SseEvent[];
  text: string;
}

let nextId = 100;
/** A JSON-RPC request of session `sid` to `url`, answered as JSON or SSE: the messages of the answer. */
export async function call(
  url: string,
  sid: string,
  method: string,
  params: Record<string, unknown> = {},
): Promise<Answer> {
  const id = ++nextId;
  const response = await post(url, { jsonrpc: '2.0', id, method, params }, { 'mcp-session-id': sid });
  const text = await response.text();
  return {
    status: response.status,
    id,
    headers: response.headers,
    events: parseSse(response.headers.get('content-type'), text),
    text,
  };
}

/** The result of the answer to request `id` in `events`, or a failure naming what came. */
export function resultOf(answer: Answer): Record<string, unknown> {
  const reply = answer.events
    .map((e) => (e.data === '' ? undefined : (JSON.parse(e.data) as Record<string, unknown>)))
    .find((m) => m?.id === answer.id);
  if (!reply || !('result' in reply))
    throw new Error(`no result (${answer.status}): ${answer.text.slice(0, 300)}`);
  return reply.result as Record<string, unknown>;
}

export interface SseEvent {
  id: string | undefined;
  data: string;
}

/** SSE text as events (a JSON body as one event without an id). */
export function parseSse(contentType: string | null, text: string): SseEvent[] {
  if (!contentType?.includes('text/event-stream')) return text === '' ? [] : [{ id: undefined, data: text }];
  const events: SseEvent[] = [];
  for (const block of text.split(/\n\n/)) {
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('id:')) id = line.slice(3).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (id !== undefined || data.length > 0) events.push({ id, data: data.join('\n') });
  }
  return events;
}

/** A 2025 session opened at `url` (initialize + initialized): its id. */
export async function initialize(url: string, name = url): Promise<string> {
  const response = await post(url, INITIALIZE);
  const sid = response.headers.get('mcp-session-id');
  if (response.status !== 200 || sid === null)
    throw new Error(`initialize on ${name}: ${response.status} ${await response.text()}`);
  await response.text();
  const ack = await post(
    url,
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { 'mcp-session-id': sid },
  );
  expect(ack.status).toBe(202);
  return sid;
}

export const echo = (text: string) => ({ name: 'fx__echo', arguments: { text } });
export const textOf = (result: Record<string, unknown>) =>
  (result.content as { text: string }[]).map((c) => c.text).join('');

/** An SSE body read as it comes: its events so far, and how it ended (its end, or a broken connection). */
export function readSse(response: Response): { events: SseEvent[]; done: Promise<'ended' | 'broken'> } {
  const events: SseEvent[] = [];
  const done = (async () => {
    const decoder = new TextDecoder();
    let text = '';
    try {
      for await (const chunk of response.body as ReadableStream<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        let cut = text.indexOf('\n\n');
        while (cut >= 0) {
          const block = text.slice(0, cut);
          text = text.slice(cut + 2);
          cut = text.indexOf('\n\n');
          let id: string | undefined;
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('id:')) id = line.slice(3).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
          }
          if (id !== undefined || data.length > 0) events.push({ id, data: data.join('\n') });
        }
      }
      return 'ended' as const;
    } catch {
      return 'broken' as const;
    }
  })();
  return { events, done };
}
