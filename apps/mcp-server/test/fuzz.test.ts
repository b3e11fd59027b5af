/**
 * A seeded, bounded property run over the HTTP and JSON-RPC surface of `/mcp`: random methods,
 * headers, bodies (valid JSON-RPC, hostile field values, batches, deep nesting, garbage) against a
 * real gateway with a real stdio backend. For every request: an answer within its deadline; no 5xx
 * but a 503 with Retry-After; a JSON-RPC error, with the request's id, wherever a JSON answer to a
 * request with an id is an error; and the session a well-behaved client holds keeps working.
 *
 * The seed is fixed so a failure replays; set SWITCHYARD_FUZZ_SEED to explore others, and
 * SWITCHYARD_FUZZ_RUNS for more runs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixtureEntry, modernPost, post, rawSession, startInProcess } from './support/gateway.ts';

const SEED = Number(process.env.SWITCHYARD_FUZZ_SEED ?? 20261207);
const RUNS = Number(process.env.SWITCHYARD_FUZZ_RUNS ?? 250);
/** The longest any one answer may take (the gateway's request timeout is well under it). */
const DEADLINE_MS = 20_000;

const METHODS = [
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'resources/subscribe',
  'completion/complete',
  'logging/setLevel',
  'server/discover',
  'subscriptions/listen',
  'notifications/initialized',
  'notifications/cancelled',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '',
  'tools/',
  'x'.repeat(300),
];
/** Tools of the fixture that answer at once without asking the client anything. */
const TOOLS = [
  'a__echo',
  'a__add',
  'a__remember',
  'a__recall',
  'a__whoami',
  'a__nope',
  '__proto__',
  'a__',
  '',
];

const leaf = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', '_meta')),
      tie('v'),
      {
        maxKeys: 4,
      },
    ),
  ),
})).v;

const id = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 12 }),
  fc.constant(null),
  fc.double(),
  fc.constant({}),
);
const params = fc.oneof(
  value,
  fc.record(
    {
      name: fc.oneof(fc.constantFrom(...TOOLS), value),
      arguments: fc.oneof(
        fc.record(
          {
            text: fc.string({ maxLength: 40 }),
            a: fc.integer(),
            b: fc.integer(),
            key: fc.string(),
            value: fc.string(),
          },
          { requiredKeys: [] },
        ),
        value,
      ),
      uri: fc.oneof(fc.constantFrom('test://static-text', 'a+test://x', 'file:///etc/passwd'), value),
      level: fc.oneof(fc.constantFrom('debug', 'info', 'emergency', 'loud'), value),
      protocolVersion: fc.oneof(
        fc.constantFrom('2025-11-25', '2025-03-26', '2026-07-28', '1999-01-01'),
        value,
      ),
      cursor: fc.oneof(fc.string({ maxLength: 30 }), value),
      _meta: fc.oneof(
        value,
        fc.record(
          {
            progressToken: value,
            'io.modelcontextprotocol/protocolVersion': fc.constantFrom('2026-07-28', 'x'),
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  ),
);
const message = fc.record(
  {
    jsonrpc: fc.oneof({ weight: 8, arbitrary: fc.constant('2.0') }, fc.constant('1.0'), value),
    id,
    method: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...METHODS) }, value),
    params,
  },
  { requiredKeys: ['jsonrpc', 'method'] },
);
/** A nesting `depth` deep, as a string (the parser sees it; JSON.stringify would too). */
const deep = fc
  .integer({ min: 100, max: 5000 })
  .map((d) => `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":${'['.repeat(d)}${']'.repeat(d)}}`);
const body = fc.oneof(
  { weight: 6, arbitrary: message.map((m) => JSON.stringify(m)) },
  { weight: 2, arbitrary: fc.array(message, { maxLength: 5 }).map((b) => JSON.stringify(b)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: value.map((v) => JSON.stringify(v) ?? 'null') },
);

interface Shape {
  method: string;
  era: 'legacy-session' | 'legacy-none' | 'legacy-bogus' | 'modern';
  contentType: string | undefined;
  accept: string | undefined;
  body: string;
  mcpMethodHeader: 'match' | 'other' | 'none';
}
/** Mostly `usual`, now and then one of `odd`. */
function mostly<T>(usual: T, ...odd: T[]): fc.Arbitrary<T> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(usual) },
    { weight: 1, arbitrary: fc.constantFrom(...odd) },
  );
}
const shape: fc.Arbitrary<Shape> = fc.record({
  method: mostly('POST', 'GET', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'),
  era: fc.constantFrom('legacy-session', 'legacy-session', 'legacy-none', 'legacy-bogus', 'modern', 'modern'),
  contentType: mostly<string | undefined>(
    'application/json',
    'text/plain',
    'application/json; charset=utf-16',
    undefined,
  ),
  accept: mostly<string | undefined>(
    'application/json, text/event-stream',
    'application/json',
    'text/event-stream',
    '*/*',
    undefined,
  ),
  body,
  mcpMethodHeader: fc.constantFrom('match', 'match', 'other', 'none'),
});

/** Reads the whole answer, failing if it takes longer than the deadline. */
async function answerOf(response: Response): Promise<string> {
  return await response.text();
}

describe('fuzz: the /mcp surface', () => {
  it(`answers every request in time, with no 5xx but 503 + Retry-After, and JSON-RPC errors where due (seed ${SEED}, ${RUNS} runs)`, async () => {
    const { url } = await startInProcess({
      mcpServers: { a: fixtureEntry('a', { tier: 'hot', timeouts: { callMs: 10_000 } }) },
    });
    // The fuzz's own session (a DELETE may end it), and a well-behaved client's it never touches.
    const session = await rawSession(url);
    const keeper = await rawSession(url);
    const seen = { statuses: new Map<number, number>() };

    await fc.assert(
      fc.asyncProperty(shape, async (s) => {
        const headers: Record<string, string> = {};
        if (s.contentType !== undefined) headers['content-type'] = s.contentType;
        if (s.accept !== undefined) headers.accept = s.accept;
        if (s.era === 'legacy-session') headers['mcp-session-id'] = session;
        if (s.era === 'legacy-bogus') headers['mcp-session-id'] = 'not-a-session-\u00e9';
        let parsed: unknown;
        try {
          parsed = JSON.parse(s.body);
        } catch {
          parsed = undefined;
        }
        const single =
          parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
            ? (parsed as Record<string, unknown>)
            : undefined;
        if (s.era === 'modern') {
          headers['mcp-protocol-version'] = '2026-07-28';
          const m = typeof single?.method === 'string' ? single.method : 'tools/list';
          if (s.mcpMethodHeader === 'match') headers['mcp-method'] = encodeURIComponent(m);
          if (s.mcpMethodHeader === 'other') headers['mcp-method'] = 'tools/list';
        }
        const started = performance.now();
        const response = await fetch(url, {
          method: s.method,
          headers,
          ...(s.method !== 'GET' && s.method !== 'OPTIONS' && { body: s.body }),
          signal: AbortSignal.timeout(DEADLINE_MS),
        });
        // A GET opens the session's stream of server messages: it stays open by design; its
        // headers are the answer.
        const isStream = response.headers.get('content-type')?.includes('text/event-stream') ?? false;
        const text = s.method === 'GET' && isStream ? '' : await answerOf(response);
        if (s.method === 'GET' && isStream) await response.body?.cancel();
        seen.statuses.set(response.status, (seen.statuses.get(response.status) ?? 0) + 1);
        const context = `${s.method} ${s.era} ${JSON.stringify(s.body).slice(0, 300)} → ${response.status} ${text.slice(0, 300)}`;

        expect(performance.now() - started, context).toBeLessThan(DEADLINE_MS);
        if (response.status >= 500) {
          expect(response.status, context).toBe(503);
          expect(response.headers.get('retry-after'), context).not.toBeNull();
        }
        // A JSON answer to one request with a usable id: a JSON-RPC response with that id (or
        // null where the id could not be read), its error, if any, with an integer code.
        if (response.headers.get('content-type')?.includes('application/json') && text.length > 0) {
          const answer = JSON.parse(text) as unknown;
          const answers = Array.isArray(answer) ? answer : [answer];
          for (const a of answers) {
            expect(a, context).toMatchObject({ jsonrpc: '2.0' });
            const r = a as Record<string, unknown>;
            expect('result' in r || 'error' in r, context).toBe(true);
            if ('error' in r) {
              expect(Number.isInteger((r.error as Record<string, unknown>).code), context).toBe(true);
              expect(typeof (r.error as Record<string, unknown>).message, context).toBe('string');
            }
          }
          if (
            single &&
            !Array.isArray(answer) &&
            (typeof single.id === 'string' || typeof single.id === 'number') &&
            typeof single.method === 'string'
          ) {
            // An error may leave out an id it could not trust (MCP 2025-11-25 makes it optional);
            // an id it gives is the request's. A result always carries it.
            const r = answer as Record<string, unknown>;
            if ('result' in r) expect(r.id, context).toEqual(single.id);
            else if ('id' in r) expect([single.id, null], context).toContainEqual(r.id);
          }
        }
        // An SSE answer: each event's data is a JSON-RPC message.
        if (isStream && text.length > 0) {
          for (const line of text.split('\n')) {
            if (!line.startsWith('data:') || line.trim() === 'data:') continue;
            expect(JSON.parse(line.slice(5)), context).toMatchObject({ jsonrpc: '2.0' });
          }
        }
        if (response.status >= 400 && response.status !== 404 && response.status !== 405 && text.length > 0) {
          // Refusals explain themselves in JSON, never an HTML page or a stack.
          expect(text, context).not.toMatch(/<html|at \/|\.ts:\d+/);
        }
      }),
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: 150_000, endOnFailure: true },
    );

    console.log('fuzz statuses', JSON.stringify([...seen.statuses]));
    // The well-behaved client's session kept working throughout.
    const call = await post(
      url,
      {
        jsonrpc: '2.0',
        id: 'after',
        method: 'tools/call',
        params: { name: 'a__echo', arguments: { text: 'still here' } },
      },
      { 'mcp-session-id': keeper },
    );
    expect(call.status).toBe(200);
    expect(await call.text()).toContain('still here');
    const modern = await modernPost(url, {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/list',
      params: {
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    });
    expect(modern.status).toBe(200);
    expect(await modern.text()).toContain('a__echo');
    // The run reached more than refusals.
    expect(seen.statuses.get(200) ?? 0).toBeGreaterThan(10);
  }, 200_000);
});
