/**
 * Optional whitespace (RFC 9110 `OWS`: spaces and tabs) around a header value. Header values
 * almost never have any, so the common case returns the value itself without a regex pass.
 */

const SPACE = 0x20;
const TAB = 0x09;

const isOws = (code: number): boolean => code === SPACE || code === TAB;

/** `value` without leading and trailing spaces and tabs. */
export function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}
