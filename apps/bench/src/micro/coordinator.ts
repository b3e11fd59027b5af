/**
 * coordinator: the cost of the gateway's per-message MCP work, against the floor or the peer a
 * user would otherwise run.
 *
 * - Message check: `MessageParser.classify` of a `tools/call` vs the official SDK's zod
 *   `JSONRPCMessageSchema.safeParse` (what an SDK-based proxy does per message).
 * - Id remapping: one request out and its response back through `IdRemapper` (a wire id, the
 *   owner's id restored) vs the floor of a bare `Map` set / get / delete with the same copies.
 * - Name routing: `NameTable.resolve` of a front tool name among 3 × 100 tools vs a bare `Map.get`.
 * - Cursors: `CursorCodec` encode + decode (with its checksum) of a list position.
 * - Routing by the 2026-07-28 `Mcp-Name` header before the body is read, against routing by the
 *   parsed body (`JSON.parse` of the body text + `NameTable.resolve`), for a small call and one
 *   with 64 KiB of arguments: what a refusal by header would save (an admitted request is parsed
 *   anyway: the gateway checks the headers against the body and forwards the body).
 *
 * Every figure is a mean of mitata samples; contenders run in alternating rounds, best kept.
 * Ratios are floor ÷ ours or peer ÷ ours in time: > 1 means ours is faster.
 */
import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  CursorCodec,
  DEFAULT_MAX_PARAMS_BYTES,
  IdRemapper,
  type JsonRpcRequest,
  jsonBytesAtMost,
  MessageParser,
  NameTable,
  Naming,
  utf8ByteLength,
} from '@switchyard/coordinator';
import { do_not_optimize, measure } from 'mitata';
import type { BenchSuite, Figure, SuiteContext } from '../harness.ts';

async function nsPerOp(ctx: SuiteContext, fn: () => unknown): Promise<number> {
  const opts = ctx.dry
    ? { min_samples: 2, max_samples: 2, min_cpu_time: 0, warmup_samples: 0 }
    : ctx.quick
      ? { min_cpu_time: 100e6 }
      : {};
  return (await measure(fn, opts)).avg;
}

/** Each contender's best of a few alternating rounds. */
async function contest(ctx: SuiteContext, fns: (() => unknown)[]): Promise<number[]> {
  const best = fns.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < (ctx.dry ? 1 : 3); round++) {
    for (const [i, fn] of fns.entries()) best[i] = Math.min(best[i]!, await nsPerOp(ctx, fn));
  }
  return best;
}

const CALL: JsonRpcRequest = {
  jsonrpc: '2.0',
  id: 41,
  method: 'tools/call',
  params: { name: 'github__search_issues', arguments: { query: 'is:open label:bug', limit: 20 } },
};

export default {
  name: 'coordinator',
  description: 'message check, id remapping, name routing and cursors (ns per message)',
  async run(ctx) {
    const figures: Figure[] = [];
    const pair = (what: string, ours: number, other: number, otherName: string) => {
      figures.push({
        name: `${what} switchyard`,
        value: ours,
        unit: 'ns/op',
        baseline: otherName,
        ratio: other / ours,
      });
      figures.push({ name: `${what} ${otherName}`, value: other, unit: 'ns/op' });
      ctx.log(
        `${what}: ${ours.toFixed(0)} ns vs ${otherName} ${other.toFixed(0)} ns (${(other / ours).toFixed(2)}×)`,
      );
    };

    const parser = new MessageParser();
    const [parse, sdk] = await contest(ctx, [
      () => do_not_optimize(parser.classify(CALL)),
      () => do_not_optimize(JSONRPCMessageSchema.safeParse(CALL)),
    ]);
    pair('message check', parse!, sdk!, 'SDK zod schema');

    // The params size check of every request: a bound walk (serializes only when it cannot tell)
    // vs JSON.stringify + UTF-8 length (before).
    const limit = DEFAULT_MAX_PARAMS_BYTES;
    const [bound, exact] = await contest(ctx, [
      () =>
        do_not_optimize(
          jsonBytesAtMost(CALL.params, limit) <= limit ||
            utf8ByteLength(JSON.stringify(CALL.params)) <= limit,
        ),
      () => do_not_optimize(utf8ByteLength(JSON.stringify(CALL.params)) <= limit),
    ]);
    pair('params size check', bound!, exact!, 'JSON.stringify (before)');

    const remapper = new IdRemapper();
    const floor = new Map<number, { session: string; id: unknown }>();
    let wire = 0;
    const [remap, map] = await contest(ctx, [
      () => {
        const out = remapper.outbound('session-a', CALL);
        do_not_optimize(remapper.inbound({ jsonrpc: '2.0', id: out.id, result: {} }));
      },
      () => {
        const id = ++wire;
        floor.set(id, { session: 'session-a', id: CALL.id });
        const out = { ...CALL, id };
        const owner = floor.get(out.id);
        floor.delete(out.id);
        do_not_optimize({ jsonrpc: '2.0', id: owner?.id, result: {} });
      },
    ]);
    pair('id remap round trip', remap!, map!, 'bare Map');

    const backends = ['github', 'files', 'docs'];
    const naming = new Naming({ backends: backends.map((name) => ({ name })) });
    const lists = backends.map((backend) => ({
      backend,
      names: Array.from({ length: 100 }, (_, i) => `tool_${i}`),
    }));
    const table = NameTable.build(naming, 'tool', lists);
    const plain = new Map(
      lists.flatMap(({ backend, names }) => names.map((n) => [`${backend}__${n}`, backend])),
    );
    // A different name each time, so no lookup can be hoisted out of the loop.
    const asked = lists.flatMap(({ backend, names }) => names.map((n) => `${backend}__${n}`));
    let next = 0;
    const [resolve, get] = await contest(ctx, [
      () => do_not_optimize(table.resolve(asked[next++ % asked.length]!)),
      () => do_not_optimize(plain.get(asked[next++ % asked.length]!)),
    ]);
    pair('name routing (300 tools)', resolve!, get!, 'bare Map');

    for (const [label, text] of [
      ['200 B', 'is:open label:bug'],
      ['64 KiB', 'x'.repeat(64 * 1024)],
    ] as const) {
      const body = JSON.stringify({
        ...CALL,
        params: { name: 'github__tool_42', arguments: { query: text, limit: 20 } },
      });
      const headers = new Headers({
        'content-type': 'application/json',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'github__tool_42',
      });
      const [byHeader, byBody] = await contest(ctx, [
        () => do_not_optimize(table.resolve(headers.get('mcp-name')!)),
        () => {
          const message = JSON.parse(body) as { params: { name: string } };
          do_not_optimize(table.resolve(message.params.name));
        },
      ]);
      pair(`route a ${label} call by Mcp-Name header`, byHeader!, byBody!, 'by parsed body');
    }

    const codec = new CursorCodec({ key: 'bench' });
    const names = backends;
    const [cursor] = await contest(ctx, [
      () =>
        do_not_optimize(
          codec.decode(
            codec.encode({ list: 'tools/list', backendIndex: 1, backend: 'files', cursor: 'page-2' }),
            'tools/list',
            names,
          ),
        ),
    ]);
    figures.push({ name: 'cursor encode + decode', value: cursor!, unit: 'ns/op' });
    ctx.log(`cursor encode + decode: ${cursor!.toFixed(0)} ns`);
    return figures;
  },
} satisfies BenchSuite;
