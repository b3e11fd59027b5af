/** Requests, sessions and answers as the coordinator's tests use them; answers checked with the SDK's schemas. */
import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import {
  finalResponse,
  type JsonRpcMessage,
  type JsonRpcResponse,
  type MCPCoordinator,
  type Outcome,
} from '../../src/index.ts';

let nextId = 1000;
export function req(method: string, params?: Record<string, unknown>, id: string | number = nextId++) {
  return params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
}

/** `initialize` + `notifications/initialized`; the new session's id and the initialize response. */
export async function open(
  c: MCPCoordinator,
  protocolVersion = '2025-11-25',
  principal: string | null = 'alice',
  capabilities: Record<string, unknown> = {},
) {
  const outcome = await c.handle(
    req('initialize', { protocolVersion, capabilities, clientInfo: { name: 'test', version: '1' } }),
    { principal },
  );
  if (outcome.kind !== 'response' || outcome.sessionId === undefined)
    throw new Error(JSON.stringify(outcome));
  const initialized = { jsonrpc: '2.0', method: 'notifications/initialized' };
  expect(await c.handle(initialized, { sessionId: outcome.sessionId, principal })).toEqual({
    kind: 'accepted',
  });
  return { sessionId: outcome.sessionId, message: outcome.message };
}

export function resultOf(message: JsonRpcResponse | undefined): Record<string, unknown> {
  if (!message || !('result' in message))
    throw new Error(`expected a result, got ${JSON.stringify(message)}`);
  JSONRPCMessageSchema.parse(message);
  return message.result;
}

export function errorOf(message: JsonRpcResponse | undefined) {
  if (!message || !('error' in message)) throw new Error(`expected an error, got ${JSON.stringify(message)}`);
  JSONRPCMessageSchema.parse(message);
  return message.error;
}

/** Sends `message` in the session; the response it ends with. */
export async function ask(
  c: MCPCoordinator,
  sessionId: string,
  message: unknown,
  principal: string | null = 'alice',
) {
  return finalResponse(await c.handle(message, { sessionId, principal }));
}

/** Every message of a stream outcome. */
export async function collect(outcome: Outcome): Promise<JsonRpcMessage[]> {
  if (outcome.kind !== 'stream') throw new Error(`expected a stream, got ${JSON.stringify(outcome)}`);
  const out: JsonRpcMessage[] = [];
  for await (const m of outcome.messages) out.push(m);
  return out;
}
