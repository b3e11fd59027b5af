import { type Span, SpanStatusCode } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_RPC_RESPONSE_STATUS_CODE } from './attributes.ts';

/** Marks `span` failed with a JSON-RPC error answer: its code as `error.type` and the status code. */
export function markRpcError(span: Span, error: { code: number; message: string }): void {
  const code = String(error.code);
  span.setAttribute(ATTR_ERROR_TYPE, code);
  span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}
