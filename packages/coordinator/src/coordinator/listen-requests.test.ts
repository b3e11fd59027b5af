import { describe, expect, it } from 'vitest';
import type { JsonRpcRequest } from '../jsonrpc/types.ts';
import { AuditTrail } from './audit-trail.ts';
import { ListenRequests } from './listen-requests.ts';
import { Listens } from './listens.ts';
import { PolicyGate } from './policy-gate.ts';
import { defaultRandomBytes, SessionTable } from './sessions.ts';

function setup(maxPerSession: number) {
  const sessions = new SessionTable(defaultRandomBytes);
  const session = sessions.add({
    id: 'modern:-:-',
    principal: null,
    protocolVersion: '2025-06-18',
    clientInfo: undefined,
    clientCapabilities: {},
    era: 'modern',
    lastSeenAt: 0,
  });
  let n = 0;
  const listens = new Listens(16);
  const requests = new ListenRequests({
    listens,
    maxPerSession,
    tooMany: () => ({
      kind: 'response',
      httpStatus: 429,
      message: { jsonrpc: '2.0', id: 1, error: { code: -32050, message: 'too many' } },
    }),
    resolver: { uri: async () => undefined },
    policy: new PolicyGate(undefined, new AuditTrail({ now: () => 0 })),
    route: () => ({ kind: 'accepted' }),
    now: () => 0,
    nextId: () => `listen-${++n}`,
    tasks: async () => [],
  });
  return { session, requests, listens };
}

const listen = (params: Record<string, unknown> = {}): JsonRpcRequest => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'subscriptions/listen',
  params: { notifications: { toolsListChanged: true }, ...params },
});

describe('ListenRequests', () => {
  it('opens a stream within the per-session bound, and refuses past it', async () => {
    const { session, requests, listens } = setup(1);
    expect(await requests.listen(session, listen(), undefined)).toMatchObject({ kind: 'stream' });
    expect(listens.countOf(session.id)).toBe(1);
    expect(await requests.listen(session, listen(), undefined)).toMatchObject({ httpStatus: 429 });
    listens.endAll();
  });

  it('asking for task status without the tasks extension is -32021 with HTTP 400', async () => {
    const { session, requests, listens } = setup(4);
    const asked = listen({ notifications: { taskIds: ['t1'] } });
    expect(await requests.listen(session, asked, undefined)).toMatchObject({
      httpStatus: 400,
      message: { error: { code: -32021 } },
    });
    expect(listens.countOf(session.id)).toBe(0);
  });
});
