import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { queryPath, type ToolContext, tools } from './tools.ts';

const ctx = (extra: Partial<ToolContext> = {}): ToolContext => ({
  signal: new AbortController().signal,
  ...extra,
});

/** Validate the arguments as a worker would, then call the handler. */
async function call(name: keyof typeof tools, args: unknown, context = ctx()) {
  const tool = tools[name];
  const parsed = tool.inputSchema.parse(args);
  return (tool.handler as (a: unknown, c: ToolContext) => ReturnType<typeof tool.handler>)(parsed, context);
}

function textOf(result: { content: { text: string }[] }): string {
  return result.content.map((c) => c.text).join('');
}

describe('builtin tools', () => {
  it('each has a description and a zod object input schema', () => {
    expect(Object.keys(tools).sort()).toEqual([
      'base64',
      'echo',
      'hash',
      'json_query',
      'now',
      'sleep',
      'uuid',
    ]);
    for (const tool of Object.values(tools)) {
      expect(tool.description.length).toBeGreaterThan(10);
      expect(tool.inputSchema.safeParse(42).success).toBe(false);
    }
  });

  it('echo returns its text', async () => {
    expect(await call('echo', { text: 'héllo' })).toEqual({ content: [{ type: 'text', text: 'héllo' }] });
    expect(tools.echo.inputSchema.safeParse({}).success).toBe(false);
  });

  it('now gives the time in a zone, with its offset', async () => {
    const at = Date.UTC(2026, 0, 15, 12, 30, 5); // winter: Paris is UTC+1
    const result = await call('now', { timeZone: 'Europe/Paris' }, ctx({ now: () => at }));
    expect(result.structuredContent).toEqual({
      iso: '2026-01-15T12:30:05.000Z',
      timeZone: 'Europe/Paris',
      local: '2026-01-15 13:30:05',
      offset: '+01:00',
    });
    const utc = await call('now', {}, ctx({ now: () => at }));
    expect(utc.structuredContent).toMatchObject({
      timeZone: 'UTC',
      local: '2026-01-15 12:30:05',
      offset: '+00:00',
    });
    expect(tools.now.inputSchema.safeParse({ timeZone: 'Mars/Olympus' }).success).toBe(false);
  });

  it('uuid gives v4 and v7 UUIDs', async () => {
    const v4 = await call('uuid', { count: 3 });
    const uuids = v4.structuredContent?.uuids as string[];
    expect(uuids).toHaveLength(3);
    expect(new Set(uuids).size).toBe(3);
    for (const u of uuids)
      expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const v7 = await call('uuid', { version: 'v7' });
    expect(textOf(v7)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    expect(tools.uuid.inputSchema.safeParse({ count: 101 }).success).toBe(false);
  });

  it('hash matches node:crypto for each algorithm and encoding', async () => {
    for (const algorithm of ['sha256', 'sha1', 'md5'] as const) {
      for (const encoding of ['hex', 'base64'] as const) {
        const result = await call('hash', { text: 'switchyard ✓', algorithm, encoding });
        expect(textOf(result)).toBe(createHash(algorithm).update('switchyard ✓').digest(encoding));
      }
    }
    expect(textOf(await call('hash', { text: 'abc' }))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('base64 encodes and decodes, standard and URL-safe, and refuses bad input', async () => {
    expect(textOf(await call('base64', { mode: 'encode', text: 'hi?>' }))).toBe('aGk/Pg==');
    expect(textOf(await call('base64', { mode: 'encode', text: 'hi?>', urlSafe: true }))).toBe('aGk_Pg');
    expect(textOf(await call('base64', { mode: 'decode', text: 'aGk/Pg==' }))).toBe('hi?>');
    expect(textOf(await call('base64', { mode: 'decode', text: 'aGk_Pg', urlSafe: true }))).toBe('hi?>');
    const bad = await call('base64', { mode: 'decode', text: 'not base64!' });
    expect(bad.isError).toBe(true);
  });

  it('json_query finds values by dotted path and index, and says where a path ends', async () => {
    const json = JSON.stringify({ items: [{ name: 'a' }, { name: 'b', tags: ['x'] }], n: 0 });
    expect(textOf(await call('json_query', { json, path: 'items[1].name' }))).toBe('"b"');
    expect((await call('json_query', { json, path: 'items.1.tags.0' })).structuredContent).toEqual({
      value: 'x',
    });
    expect((await call('json_query', { json, path: 'n' })).structuredContent).toEqual({ value: 0 });
    const missing = await call('json_query', { json, path: 'items.5.name' });
    expect(missing).toMatchObject({ isError: true, content: [{ text: 'no value at items.5' }] });
    expect((await call('json_query', { json: '{oops', path: 'a' })).isError).toBe(true);
    expect(queryPath({ a: 1 }, '')).toEqual({ found: true, value: { a: 1 } });
    expect(queryPath({ a: 1 }, 'toString')).toEqual({ found: false, at: 'toString' });
  });

  it('sleep reports progress after each step', async () => {
    const seen: [number, number | undefined][] = [];
    const result = await call('sleep', { ms: 30, steps: 3 }, ctx({ progress: (p, t) => seen.push([p, t]) }));
    expect(textOf(result)).toBe('slept 30 ms');
    expect(seen).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  it('sleep stops when its signal aborts, with the abort reason', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const pending = call(
      'sleep',
      { ms: 60_000, steps: 2 },
      ctx({ signal: controller.signal, progress: (p) => seen.push(p) }),
    );
    setTimeout(() => controller.abort(new Error('cancelled by client')), 20);
    await expect(pending).rejects.toThrow('cancelled by client');
    expect(seen).toEqual([]);
    await expect(call('sleep', { ms: 10 }, ctx({ signal: AbortSignal.abort() }))).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});
