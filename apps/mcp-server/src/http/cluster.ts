/**
 * The front door's part in a cluster (`switchyard.cluster`, with `journal.redis`): the session
 * forwarder, started with the handler and stopped (its leases given up) when the gateway closes, and
 * the check of a forwarded request's signature.
 */
import type { JsonObject, ListKind } from '@switchyard/coordinator';
import { ClusterBus } from '../cluster/bus.ts';
import { configHash } from '../cluster/config-hash.ts';
import { SessionForwarder } from '../cluster/forwarder.ts';
import { ClusterMembers } from '../cluster/members.ts';
import { ClusterRateLimit } from '../cluster/rate-limit.ts';
import { clusterReloads } from '../cluster/reloads.ts';
import { requestStateTag } from '../cluster/request-state.ts';
import { sharedRedis } from '../cluster/shared-redis.ts';
import { FORWARDED_HEADER, ForwardSigner, type Verdict } from '../cluster/signature.ts';
import { runsElsewhere, type TaskNodesView, taskTag } from '../cluster/task-nodes.ts';
import type { Gateway } from '../gateway/gateway.ts';
import type { RateGate } from './admission.ts';

export interface FrontCluster {
  forwarder: SessionForwarder;
  verify(request: Request): Verdict;
  /** The nodes, as their heartbeats say (for the dashboard). */
  members: ClusterMembers;
}

export function clusterOf(
  gateway: Gateway,
  options: {
    host: string;
    listenOrigin?: () => string;
    /** A 2026 request's affinity key, as the front door reads it. */
    affinityKey?: (request: Request, principal: string | null) => string | null;
  },
  warn: (fields: Record<string, unknown>, message: string) => void,
): FrontCluster | undefined {
  const settings = gateway.config.settings.cluster;
  const leases = gateway.journal.leases;
  if (settings === undefined || leases === undefined) return undefined;
  const signer = new ForwardSigner(settings.secret);
  const { port } = gateway.config.settings.listen;
  const forwarder = new SessionForwarder({
    leases,
    coordinator: gateway.coordinator,
    signer,
    ...(settings.nodeId !== undefined && { nodeId: settings.nodeId }),
    url: () =>
      settings.advertiseUrl ??
      `${options.listenOrigin?.() ?? `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`}/mcp`,
    leaseMs: settings.leaseMs,
    locate: (id): Promise<string | undefined> => members.urlOf(id),
    ...(options.affinityKey && { affinityKey: options.affinityKey }),
    perSession: (name) => mayBePerSession(gateway, name),
    warn,
  });
  forwarder.start();
  // 2026 retries of a call parked here name this node, so another node forwards them here.
  gateway.coordinator.tagRequestStates(requestStateTag(forwarder.nodeId));
  const bus = startBus(gateway, forwarder.nodeId, warn);
  // Tasks name the node that runs them: another node forwards their 2026 requests here, reads them
  // from the journal as they are while this node lives, and hears their changes on the bus.
  const incarnation = crypto.randomUUID().slice(0, 8);
  const tasksView: TaskNodesView = {
    selfId: forwarder.nodeId,
    refusedLately: (id) => forwarder.refusedLately(id),
    incarnationOf: (id) => members.incarnationOf(id),
  };
  gateway.coordinator.clusterTasks({
    tag: taskTag(forwarder.nodeId, incarnation),
    runsElsewhere: (taskId) => runsElsewhere(taskId, tasksView),
    changed: (taskId, task) => bus?.publish({ kind: 'task-changed', taskId, task }),
    cancel: (taskId, owner) => forwarder.cancelTask(taskId, owner),
  });
  const redis = gateway.config.settings.journal.redis;
  const members = new ClusterMembers({
    redis: sharedRedis(gateway, redis?.url ?? ''),
    keyPrefix: redis?.keyPrefix ?? 'switchyard:journal:',
    self: () => ({
      id: forwarder.nodeId,
      url: forwarder.node.url,
      configHash: configHash(gateway.config),
      incarnation,
    }),
    warn,
  });
  members.start();
  // A reload here, from this node's own file: the others are told to re-read theirs; and every
  // reload's configuration hash is in the heartbeat at once, not at the next beat.
  const offReloaded = clusterReloads(gateway).onReloaded((cause) => {
    if (cause === 'local') bus?.publish({ kind: 'reloaded' });
    void members.beat();
  });
  gateway.closing.addEventListener(
    'abort',
    () => {
      offReloaded();
      void forwarder.stop();
      bus?.stop();
      members.stop();
    },
    { once: true },
  );
  return {
    forwarder,
    members,
    verify: (request) => {
      // Most requests were not forwarded: no signature to check, and the session header unread.
      const header = request.headers.get(FORWARDED_HEADER);
      return header === null
        ? ABSENT
        : signer.verify(header, request.method, request.headers.get('mcp-session-id'));
    },
  };
}

/**
 * With `admission.rateLimit.scope: "cluster"`: the rate limit's buckets in the cluster's Redis, on a
 * connection of its own, made at the first request and closed with the gateway.
 */
export function clusterRateOf(
  gateway: Gateway,
  warn: (fields: Record<string, unknown>, message: string) => void,
): RateGate | undefined {
  const { admission, journal } = gateway.config.settings;
  const limit = admission.rateLimit;
  if (limit === false || limit.scope !== 'cluster' || journal.redis === undefined) return undefined;
  const { url, keyPrefix } = journal.redis;
  const redis = sharedRedis(gateway, url);
  return new ClusterRateLimit({
    redis,
    keyPrefix: keyPrefix ?? 'switchyard:journal:',
    perSecond: limit.perSecond,
    burst: limit.burst ?? limit.perSecond,
    warn,
  });
}

/**
 * Whether a tool or prompt the client names may belong to a `per-session` backend (stdio or module;
 * a remote one is shared): one whose prefix it starts with, or one shown without a prefix. From the
 * configuration in force, so a reload counts.
 */
function mayBePerSession(gateway: Gateway, frontName: string): boolean {
  const { backends, settings } = gateway.config;
  const separator = settings.namespacing.separator;
  return backends.some(
    (b) =>
      b.isolation === 'per-session' &&
      b.kind !== 'remote' &&
      (b.prefix === false || frontName.startsWith(`${b.prefix}${separator}`)),
  );
}

const ABSENT: Verdict = { kind: 'absent' };

const LIST_KINDS: readonly ListKind[] = ['tools', 'prompts', 'resources'];

/**
 * The cluster bus: a shared backend's list change here is published; one published elsewhere is
 * told to this node's sessions (and its cached lists forgotten); so is a shared backend's resource
 * update, told to this node's subscribers to it; after a gap in the subscription,
 * every session is told its lists may have changed, and every subscriber to a shared backend's
 * resource that it may have been updated. A reload elsewhere asks this node to re-read
 * its own configuration file (the reloader listens, where there is a file).
 */
function startBus(
  gateway: Gateway,
  nodeId: string,
  warn: (fields: Record<string, unknown>, message: string) => void,
): ClusterBus | undefined {
  const redis = gateway.config.settings.journal.redis;
  if (redis === undefined) return undefined;
  const { coordinator } = gateway;
  const bus = new ClusterBus({
    url: redis.url,
    channel: `${redis.keyPrefix ?? 'switchyard:journal:'}bus`,
    nodeId,
    publisher: sharedRedis(gateway, redis.url),
    onNews: (news, from) => {
      if (news.kind === 'reloaded') {
        clusterReloads(gateway).ask(from);
        return;
      }
      if (news.kind === 'resource-updated') {
        coordinator.resourceUpdatedElsewhere(news.backend, news.params);
        return;
      }
      if (news.kind === 'task-changed') {
        coordinator.taskChangedElsewhere(news.taskId, news.task as JsonObject);
        return;
      }
      const kinds = LIST_KINDS.filter((k) => news.lists.includes(k));
      if (kinds.length > 0) coordinator.listsChangedElsewhere(news.backend, kinds);
    },
    onGap: () => {
      coordinator.listsChangedElsewhere(undefined, LIST_KINDS);
      coordinator.resourcesMayHaveChangedElsewhere();
    },
    warn,
  });
  void bus.start();
  const off = coordinator.onSharedListsChanged((backend, kinds) =>
    bus.publish({ kind: 'lists-changed', backend, lists: [...kinds] }),
  );
  const offResources = coordinator.onSharedResourceUpdated((backend, params) => {
    if (typeof params.uri === 'string')
      bus.publish({ kind: 'resource-updated', backend, params: { ...params, uri: params.uri } });
  });
  gateway.closing.addEventListener(
    'abort',
    () => {
      off();
      offResources();
    },
    { once: true },
  );
  return bus;
}
