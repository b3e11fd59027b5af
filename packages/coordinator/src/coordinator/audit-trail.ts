/**
 * The audit trail: one entry for each request's end, told to `onAudit` (metrics, dashboards) and
 * written to the journal, with the request and its response as text cut at a bound (journal only).
 * What an entry says of its caller and of the policy's decision is noted per request on its way
 * (`noteCaller`, `noteDecision`) and read when its entry is written.
 */
import type { AuditDecision, AuditInput, AuditOutcome } from '@switchyard/journal';
import { isJsonRpcErrorResponse, type JsonRpcRequest, type JsonRpcResponse } from '../jsonrpc/types.ts';
import { auditPayload } from './audit-payload.ts';

/** One request's end, as the trail is told it. */
export interface AuditEnd {
  /** The session the request came in (its id and principal are recorded). */
  session: { readonly id: string; readonly principal: string | null };
  method: string;
  /** The tool / prompt name or resource URI, as the client said it. */
  name: string | null;
  backend: string | null;
  /** When the request started (the trail's clock). */
  started: number;
  outcome: AuditOutcome;
  /** The answer; an error answer's message is the entry's error unless `error` says one. */
  response?: JsonRpcResponse | undefined;
  error?: string | undefined;
  worker?: string | undefined;
  /** The request, for the facts noted of it and for its text in the journal. */
  request?: JsonRpcRequest | undefined;
}

export interface AuditTrailOptions {
  now: () => number;
  /** Told of every entry (without the messages' text). */
  onAudit?: (entry: AuditInput) => void;
  /** Writes an entry to the journal; none: nothing is written (and no text is made). */
  write?: (entry: AuditInput) => void;
  /** The request and response are kept as JSON text cut at this many characters; 0 (default): not kept. */
  payloadChars?: number;
}

/** A request's caller and policy decision, as its audit entry records them. */
interface AuditFacts {
  clientId?: string;
  decision?: AuditDecision;
  rule?: string | null;
}

export class AuditTrail {
  private readonly facts = new WeakMap<JsonRpcRequest, AuditFacts>();

  constructor(private readonly options: AuditTrailOptions) {}

  /** The request's caller has this client id (anything noted of it before is forgotten). */
  noteCaller(request: JsonRpcRequest, clientId: string): void {
    this.facts.set(request, { clientId });
  }

  /** The policy's decision on the request, and the rule that made it. */
  noteDecision(request: JsonRpcRequest, decision: AuditDecision, rule: string | null): void {
    this.facts.set(request, { ...this.facts.get(request), decision, rule });
  }

  record(end: AuditEnd): void {
    const { session, response, request, started } = end;
    const errorText =
      end.error ?? (response && isJsonRpcErrorResponse(response) ? response.error.message : null);
    const facts = request && this.facts.get(request);
    const entry: AuditInput = {
      time: started,
      sessionId: session.id,
      principal: session.principal,
      backend: end.backend,
      worker: end.worker ?? null,
      method: end.method,
      name: end.name,
      durationMs: Math.max(0, this.options.now() - started),
      outcome: end.outcome,
      error: errorText,
      clientId: facts?.clientId ?? null,
      decision: facts?.decision ?? null,
      rule: facts?.rule ?? null,
    };
    this.options.onAudit?.(entry);
    const write = this.options.write;
    if (!write) return;
    // The messages go to the journal only (not to onAudit's listeners, which keep entries in memory).
    const limit = this.options.payloadChars ?? 0;
    // Without the messages' text the entry goes as it is (the journal copies what it keeps).
    write(
      limit > 0
        ? { ...entry, request: auditPayload(request, limit), response: auditPayload(response, limit) }
        : entry,
    );
  }
}
