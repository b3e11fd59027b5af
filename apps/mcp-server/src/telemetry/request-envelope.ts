/**
 * What surrounds the spans of every export request the span thread writes: the gateway's resource
 * and instrumentation scope (sent once, in the span thread's `start` message: `span-messages.ts`).
 */
export interface RequestEnvelope {
  resource: { attributes: Record<string, string | number | boolean>; schemaUrl?: string };
  scope: { name: string; version: string };
}
