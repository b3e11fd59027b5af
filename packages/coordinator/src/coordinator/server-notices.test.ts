import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonRpcMessage } from '../jsonrpc/types.ts';
import type { BackendWorker } from './backend-worker.ts';
import { Listens } from './listens.ts';
import { ServerNotices, subscriptionKey } from './server-notices.ts';
import { defaultRandomBytes, type FrontSession, SessionTable } from './sessions.ts';

type Isolation = 'shared' | 'per-principal' | 'per-session';

function setup(isolation: Record<string, Isolation> = { a: 'shared', iso: 'per-session' }) {
  const sessions = new SessionTable(defaultRandomBytes);
  const gatewayLog: JsonObject[] = [];
  const invalidated: string[] = [];
  const notices = new ServerNotices({
    sessions,
    listens: new Listens(16),
    fleet: {
      isIsolated: (b) => (isolation[b] ?? 'shared') !== 'shared',
      isolationOf: (b) => isolation[b] ?? 'shared',
      invalidateLists: (b, kinds) => invalidated.push(`${b}:${kinds.join(',')}`),
    },
    naming: () =>
      ({
        has: (b: string) => b in isolation,
        backends: Object.keys(isolation).map((name) => ({ name })),
      }) as never,
    taskStatus: () => {},
    onBackendLog: (_b, _w, params) => gatewayLog.push(params),
  });
  const open = (principal: string | null, logLevel?: string): FrontSession => {
    const s = sessions.add({
      id: sessions.newId(),
      principal,
      protocolVersion: '2025-06-18',
      clientInfo: undefined,
      clientCapabilities: {},
      era: 'legacy',
      lastSeenAt: 0,
    });
    s.logLevel = logLevel;
    return s;
  };
  const worker = (backend: string, served: FrontSession[], sole?: string | null) =>
    ({
      backend,
      id: `${backend}-w1`,
      sessions: () => served.map((s) => s.id).values(),
      soleOwner: sole === undefined ? undefined : { principal: sole },
    }) as unknown as BackendWorker;
  return { sessions, notices, open, worker, gatewayLog, invalidated };
}

async function drained(session: FrontSession): Promise<JsonRpcMessage[]> {
  session.outbound.end();
  const out: JsonRpcMessage[] = [];
  for await (const m of session.outbound) out.push(m);
  return out;
}

const toolsChanged = { jsonrpc: '2.0', method: 'notifications/tools/list_changed' } as const;

describe('ServerNotices', () => {
  it('a shared worker’s list change reaches every session and the cluster; an isolated one’s only its own', async () => {
    const { notices, open, worker } = setup();
    const alice = open('alice');
    const bob = open('bob');
    const heard: string[] = [];
    const off = notices.onSharedListsChanged((b, kinds) => heard.push(`${b}:${kinds.join(',')}`));
    notices.backendNotification(worker('iso', [alice]), toolsChanged, ['tools']);
    notices.backendNotification(worker('a', []), toolsChanged, ['tools']);
    off();
    notices.backendNotification(worker('a', []), toolsChanged, ['tools']);
    expect(heard).toEqual(['a:tools']);
    // Said again before it was read: kept once.
    expect(await drained(alice)).toEqual([toolsChanged]);
    expect(await drained(bob)).toEqual([toolsChanged]);
  });

  it('a resource update reaches its subscribers under their own URI; from elsewhere, only for shared backends', async () => {
    const { notices, open, sessions } = setup();
    const alice = open('alice');
    const bob = open('bob');
    sessions.subscribe(alice, subscriptionKey('a', 'file:///x'), 'a+file:///x');
    sessions.subscribe(bob, subscriptionKey('iso', 'file:///x'), 'iso+file:///x');
    notices.resourceUpdatedElsewhere('a', { uri: 'file:///x' });
    notices.resourceUpdatedElsewhere('iso', { uri: 'file:///x' });
    notices.resourceUpdatedElsewhere('gone', { uri: 'file:///x' });
    expect(await drained(alice)).toEqual([
      { jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'a+file:///x' } },
    ]);
    expect(await drained(bob)).toEqual([]);
  });

  it('a log line reaches its one principal’s sessions that asked for its level, else the gateway’s log', async () => {
    const { notices, open, worker, gatewayLog } = setup();
    const quiet = open('alice');
    const loud = open('alice', 'info');
    const other = open('bob', 'debug');
    const line = (level: string) =>
      ({ jsonrpc: '2.0', method: 'notifications/message', params: { level, data: level } }) as const;
    notices.backendNotification(worker('a', [], 'alice'), line('warning'), []);
    notices.backendNotification(worker('a', [], 'alice'), line('debug'), []);
    notices.backendNotification(worker('a', []), line('error'), []);
    expect(await drained(loud)).toEqual([line('warning')]);
    expect(await drained(quiet)).toEqual([]);
    expect(await drained(other)).toEqual([]);
    expect(gatewayLog).toEqual([line('debug').params, line('error').params]);
  });

  it('lists changed elsewhere: shared backends’ lists are forgotten and every session told', async () => {
    const { notices, open, invalidated } = setup();
    const alice = open('alice');
    notices.listsChangedElsewhere('iso', ['tools']);
    expect(invalidated).toEqual([]);
    notices.listsChangedElsewhere(undefined, ['prompts']);
    expect(invalidated).toEqual(['a:prompts']);
    expect(await drained(alice)).toEqual([{ jsonrpc: '2.0', method: 'notifications/prompts/list_changed' }]);
  });
});
