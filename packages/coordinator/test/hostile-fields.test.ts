/**
 * Fields a careless or hostile client sends: each gets a precise JSON-RPC answer, never a hang or
 * a throw. Real stdio fixture processes behind a `StdioTier`.
 */
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { ask, errorOf, open, req, resultOf } from './support/protocol.ts';
import { rigPerTest } from './support/rig.ts';
import { StdioTier } from './support/stdio-tier.ts';

const rig = rigPerTest();

function setup() {
  const tier = new StdioTier({ a: ['--name', 'a'] });
  return rig(tier, {
    backends: [{ name: 'a' }],
    serverInfo: { name: 'switchyard', version: '0.0.0-test' },
    requestTimeoutMs: 10_000,
  });
}

describe('hostile fields', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
    'a method named %s is not found (-32601)',
    async (method) => {
      const { coordinator } = setup();
      const s = await open(coordinator);
      expect(errorOf(await ask(coordinator, s.sessionId, req(method, {}))).code).toBe(-32601);
    },
  );

  it.each([
    ['a string', 'notanobject'],
    ['an array', [1, 2]],
    ['null', null],
    ['a number', 7],
  ])('tools/call with _meta as %s is refused with -32602 naming _meta', async (_what, meta) => {
    const { coordinator } = setup();
    const s = await open(coordinator);
    const error = errorOf(
      await ask(
        coordinator,
        s.sessionId,
        req('tools/call', { name: 'a__echo', arguments: { text: 'x' }, _meta: meta }),
      ),
    );
    expect(error.code).toBe(-32602);
    expect(error.message).toContain('_meta');
    // The session goes on working.
    const ok = resultOf(
      await ask(coordinator, s.sessionId, req('tools/call', { name: 'a__echo', arguments: { text: 'y' } })),
    );
    expect(CallToolResultSchema.parse(ok).content).toEqual([{ type: 'text', text: 'y' }]);
  });

  it.each([
    ['arguments as a string', { name: 'a__echo', arguments: 'x' }, 'arguments'],
    [
      'a progress token of the wrong type',
      { name: 'a__echo', arguments: { text: 'x' }, _meta: { progressToken: {} } },
      'progressToken',
    ],
  ])('tools/call with %s is refused with -32602 naming the field', async (_what, params, field) => {
    const { coordinator } = setup();
    const s = await open(coordinator);
    const error = errorOf(await ask(coordinator, s.sessionId, req('tools/call', params)));
    expect(error.code).toBe(-32602);
    expect(error.message).toContain(field);
  });

  it('tools/call with arguments nested past the depth bound is refused with -32602; at the bound it is served', async () => {
    const { coordinator } = setup();
    const s = await open(coordinator);
    const nest = (levels: number) => {
      let v: unknown = 'leaf';
      for (let i = 0; i < levels; i++) v = i % 2 === 0 ? [v] : { v };
      return v;
    };
    const deep = errorOf(
      await ask(
        coordinator,
        s.sessionId,
        req('tools/call', { name: 'a__echo', arguments: { text: 'x', deep: nest(64) } }),
      ),
    );
    expect(deep.code).toBe(-32602);
    expect(deep.message).toContain('params.arguments nests deeper than 64');
    // 63 levels under the arguments object (64 in all) reach the backend.
    const ok = await ask(
      coordinator,
      s.sessionId,
      req('tools/call', { name: 'a__echo', arguments: { text: 'x', deep: nest(63) } }),
    );
    expect(ok && 'error' in ok ? ok.error.code : 0).not.toBe(-32602);
  });
});
