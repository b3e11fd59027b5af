/**
 * `Content-Type` and `Accept` as the Streamable HTTP transport needs them: a POST body is
 * `application/json`; a POST's `Accept` covers both `application/json` and `text/event-stream`,
 * a GET's covers `text/event-stream`. Media ranges (`*\/*`, `text/*`) and parameters are honoured;
 * a range with `q=0` refuses the type.
 */
import { BoundedMemo } from './bounded-memo.ts';

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(header: string): MediaRange[] {
  return header
    .split(',')
    .map((part) => {
      const [range = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
      const [type = '', subtype = ''] = range.split('/');
      const qParam = params.find((p) => p.startsWith('q='));
      const q = qParam === undefined ? 1 : Number(qParam.slice(2));
      return { type, subtype, q: Number.isFinite(q) ? q : 0 };
    })
    .filter((r) => r.type !== '' && r.subtype !== '');
}

/**
 * Answers for the `Accept` values seen lately: a client sends the same one with every request, so
 * each is parsed once. Bounded: emptied when full.
 */
const answered = new BoundedMemo<boolean>(256);

/** True when `accept` (absent: anything) admits `mediaType` such as `text/event-stream`. */
export function accepts(accept: string | null, mediaType: string): boolean {
  if (accept === null) return true;
  const key = `${mediaType}\u0000${accept}`;
  return answered.get(key) ?? answered.set(key, admits(accept, mediaType));
}

function admits(accept: string, mediaType: string): boolean {
  if (accept.trim() === '') return true;
  const [type, subtype] = mediaType.split('/');
  let best: { specificity: number; q: number } | undefined;
  for (const r of parseAccept(accept)) {
    const specificity =
      r.type === type && r.subtype === subtype
        ? 2
        : r.type === type && r.subtype === '*'
          ? 1
          : r.type === '*'
            ? 0
            : -1;
    if (specificity < 0) continue;
    if (!best || specificity > best.specificity) best = { specificity, q: r.q };
  }
  return best !== undefined && best.q > 0;
}

/** True when the `Content-Type` is JSON (`application/json`, any parameters). */
export function isJsonContentType(contentType: string | null): boolean {
  if (contentType === null) return false;
  if (contentType === 'application/json') return true;
  return contentType.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/** The `Accept` of the last POST answered, and whether it admitted both JSON and SSE. */
let lastPostAccept: string | null | undefined;
let lastPostAdmits = false;

/**
 * Whether a POST's `Accept` admits both `application/json` and `text/event-stream` (what a POST's
 * answer may be). A client sends the same value every time: the last one is remembered.
 */
export function acceptsJsonAndSse(accept: string | null): boolean {
  if (accept === lastPostAccept) return lastPostAdmits;
  const answer = accepts(accept, 'application/json') && accepts(accept, 'text/event-stream');
  lastPostAccept = accept;
  lastPostAdmits = answer;
  return answer;
}
