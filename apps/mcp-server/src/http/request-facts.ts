/**
 * What the front door learned while serving one HTTP request — the principal it authenticated,
 * the MCP method of the (first) message it handed on — for whoever runs the request inside
 * `requestFacts.run(...)` (the access log). Outside such a run, noting costs one lookup.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestFacts {
  principal?: string;
  /** The OAuth client the principal's access token was issued to (`client_id` / `azp`), for the audit. */
  clientId?: string;
  mcpMethod?: string;
  /** The trace context of the request's server span, when it is traced (OpenTelemetry's `Context`). */
  trace?: unknown;
}

export const requestFacts = new AsyncLocalStorage<RequestFacts>();

/** Notes the authenticated principal of the request being served. */
export function notePrincipal(principal: string): void {
  const facts = requestFacts.getStore();
  if (facts) facts.principal = principal;
}

/** Notes the OAuth client of the request being served. */
export function noteClient(clientId: string): void {
  const facts = requestFacts.getStore();
  if (facts) facts.clientId = clientId;
}

/** Notes the method of `message` (a batch: of its first message), unless one is noted already. */
export function noteMessage(message: unknown): void {
  const facts = requestFacts.getStore();
  if (!facts || facts.mcpMethod !== undefined) return;
  const first = Array.isArray(message) ? message[0] : message;
  const method = (first as { method?: unknown } | null)?.method;
  if (typeof method === 'string') facts.mcpMethod = method;
}
