/**
 * Which node holds a parked 2026 multi-round-trip call: each node tags the `requestState`s it
 * issues with its id (`MCPCoordinator.tagRequestStates`), so the node a client's retry reaches —
 * any node, since 2026 requests carry no session — can forward the retry to the one holding the
 * call. The tag is `sy.<node id, base64url>.`: opaque to clients, as `requestState` is meant to be.
 * Pure.
 */

const PREFIX = 'sy.';

/** The tag a node puts before its `requestState`s. */
export function requestStateTag(nodeId: string): string {
  return `${PREFIX}${Buffer.from(nodeId).toString('base64url')}.`;
}

/** The id of the node that issued `requestState`, or `undefined` when it carries no node's tag. */
export function nodeOfRequestState(requestState: string): string | undefined {
  if (!requestState.startsWith(PREFIX)) return undefined;
  const end = requestState.indexOf('.', PREFIX.length);
  if (end <= PREFIX.length) return undefined;
  const encoded = requestState.slice(PREFIX.length, end);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined;
  const id = Buffer.from(encoded, 'base64url').toString();
  return id === '' ? undefined : id;
}
