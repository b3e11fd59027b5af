/**
 * Which node runs a task (issue #24 on several nodes): each node starts the ids of the tasks it makes
 * with its id (as its `requestState`s: `request-state.ts`) and its incarnation — a random part drawn
 * per process, also in its heartbeat — so another node tells "its node is alive and runs it" (the
 * heartbeat's incarnation is the task's) from "its node is gone" (no heartbeat, a connection
 * refused, or the node restarted under the same id: the process that ran the task has ended, and
 * the task's outcome is unknown). Pure.
 */
import { nodeOfRequestState, requestStateTag } from './request-state.ts';

/** The start of the ids of the tasks made by node `nodeId` in incarnation `incarnation` (base64url-safe). */
export function taskTag(nodeId: string, incarnation: string): string {
  return `${requestStateTag(nodeId)}${incarnation}.`;
}

/** The node and incarnation a task id names, or `undefined` when it carries no node's tag. */
export function runnerOfTask(taskId: string): { nodeId: string; incarnation: string } | undefined {
  const nodeId = nodeOfRequestState(taskId);
  if (nodeId === undefined) return undefined;
  const from = requestStateTag(nodeId).length;
  const end = taskId.indexOf('.', from);
  if (end <= from) return undefined;
  return { nodeId, incarnation: taskId.slice(from, end) };
}

export interface TaskNodesView {
  /** This node's id. */
  selfId: string;
  /** Whether node `nodeId` refused a connection lately (it is gone, its heartbeat not lapsed yet). */
  refusedLately(nodeId: string): boolean;
  /** The incarnation in node `nodeId`'s live heartbeat, or `undefined` when it has none. */
  incarnationOf(nodeId: string): Promise<string | undefined>;
}

/**
 * Whether task `taskId` (one this node does not run) runs on another node that is alive: its id
 * names another node whose live heartbeat carries the task's incarnation and which did not refuse
 * a connection lately. A failed look-up says no (the task then reads as its node's end left it).
 */
export async function runsElsewhere(taskId: string, view: TaskNodesView): Promise<boolean> {
  const runner = runnerOfTask(taskId);
  if (runner === undefined || runner.nodeId === view.selfId || view.refusedLately(runner.nodeId))
    return false;
  try {
    return (await view.incarnationOf(runner.nodeId)) === runner.incarnation;
  } catch {
    return false;
  }
}
