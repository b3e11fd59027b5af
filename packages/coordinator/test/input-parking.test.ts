/**
 * The multi-round-trip flow of 2026 requests over a real 2025 stdio backend that asks the client
 * for a completion (`sampling/createMessage`): a park the client never comes back to ends (the
 * backend's call cancelled, the requestState no longer known); two clients of one stand-in session
 * may use the same JSON-RPC id at once; a client without the capability gets -32021.
 */
import { createJournal, memoryDriver } from '@switchyard/journal';
import { afterEach, describe, expect, it } from 'vitest';
import { finalResponse, MCPCoordinator } from '../src/index.ts';
import { errorOf, resultOf } from './support/protocol.ts';
import { SAMPLING_FIXTURE, StdioTier } from './support/stdio-tier.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function setup(inputWaitMs: number) {
  const tier = new StdioTier({ s: { script: SAMPLING_FIXTURE, args: [] } });
  const journal = await createJournal({ driver: memoryDriver() });
  const audits: { method: string; outcome: string }[] = [];
  const coordinator = new MCPCoordinator({
    tiers: tier,
    backends: [{ name: 's' }],
    serverInfo: { name: 'switchyard', version: '0.0.0-test' },
    journal,
    inputWaitMs,
    onAudit: (e) => audits.push({ method: e.method, outcome: e.outcome }),
  });
  stops.push(async () => {
    await coordinator.close();
    await tier.stop();
    await journal.close();
  });
  return { coordinator, audits };
}

function call(
  id: number | string,
  capabilities: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return {
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: {
      name: 's__ask',
      arguments: { question: 'why?' },
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientCapabilities': capabilities,
      },
      ...extra,
    },
  };
}

const context = { principal: null, affinityKey: null };

describe('2026 calls waiting for the client’s input', () => {
  it('a park the client never comes back to ends after inputWaitMs: the call times out, the state is gone', async () => {
    const { coordinator, audits } = await setup(300);
    const first = resultOf(
      await finalResponse(await coordinator.handleModern(call(1, { sampling: {} }), context)),
    );
    expect(first.resultType).toBe('input_required');
    const requestState = first.requestState as string;
    // inputWaitMs is 300: wait for its timeout to be audited (generous cap for busy machines).
    await expect
      .poll(() => audits, { timeout: 10_000 })
      .toContainEqual({ method: 'tools/call', outcome: 'timeout' });
    const retry = await finalResponse(
      await coordinator.handleModern(
        call(2, { sampling: {} }, { requestState, inputResponses: { x: { role: 'assistant' } } }),
        context,
      ),
    );
    expect(errorOf(retry).code).toBe(-32602);
  });

  it('two clients of one stand-in session may use the same id; each park gets its own ask and answer', async () => {
    const { coordinator } = await setup(5_000);
    // The second call's ask is not given to the first, parked one.
    const a = await coordinator.handleModern(call(7, { sampling: {} }), context).then(finalResponse);
    const b = await coordinator.handleModern(call(7, { sampling: {} }), context).then(finalResponse);
    for (const answer of [a, b]) {
      expect(answer?.id).toBe(7);
      expect(resultOf(answer).resultType).toBe('input_required');
    }
    const states = [resultOf(a).requestState, resultOf(b).requestState];
    expect(new Set(states).size).toBe(2);
    const answers = await Promise.all(
      [a, b].map(async (first, n) => {
        const [key] = Object.keys(resultOf(first).inputRequests as object);
        const retry = call(
          7,
          { sampling: {} },
          {
            requestState: resultOf(first).requestState,
            inputResponses: {
              [key as string]: {
                role: 'assistant',
                model: 'm',
                content: { type: 'text', text: `answer ${n}` },
              },
            },
          },
        );
        return finalResponse(await coordinator.handleModern(retry, context));
      }),
    );
    expect(answers.map((m) => (resultOf(m).content as { text: string }[])[0]?.text)).toEqual([
      'model said: answer 0',
      'model said: answer 1',
    ]);
    for (const m of answers) expect(m?.id).toBe(7);
  });

  it('a client that did not declare sampling: the backend is refused and the failed call is -32021', async () => {
    const { coordinator } = await setup(5_000);
    const answer = await finalResponse(await coordinator.handleModern(call(3, {}), context));
    const error = errorOf(answer);
    expect(answer?.id).toBe(3);
    expect(error.code).toBe(-32021);
    expect(error.data).toEqual({ requiredCapabilities: { sampling: {} } });
  });
});
