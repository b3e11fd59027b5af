/**
 * What the journal keeps of an audited request and its response: the message as JSON text, cut
 * at a bound so one large answer does not grow the journal (or its commits) without limit.
 */

/** The default bound on each of an audit entry's `request` / `response`: 16 KiB of text. */
export const DEFAULT_AUDIT_PAYLOAD_CHARS = 16 * 1024;

/**
 * `message` as JSON text, at most `limit` characters of it followed by a marker
 * `…[truncated: N chars in all]` when longer (the text is then no longer valid JSON, on purpose);
 * null when there is no message or it cannot be serialised.
 */
export function auditPayload(message: unknown, limit: number): string | null {
  if (message === undefined) return null;
  let text: string | undefined;
  try {
    text = JSON.stringify(message);
  } catch {
    return null;
  }
  if (text === undefined) return null;
  return text.length <= limit ? text : `${text.slice(0, limit)}…[truncated: ${text.length} chars in all]`;
}
