/**
 * How deep a JSON text nests, found by a scan of its brackets (no parse, no recursion), so a body
 * nested 100 000 deep is refused with a precise 400 before anything recursive walks it.
 */

/** The deepest nesting of objects and arrays the front door accepts in a message. */
export const MAX_JSON_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** Whether `text` (JSON, valid or not) opens more than `limit` objects or arrays inside one another. */
export function nestsDeeperThan(text: string, limit: number): boolean {
  // Each level takes at least one character, so a short text cannot nest deeper than its length.
  if (text.length <= limit || opensAtMost(text, limit)) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/**
 * Whether `text` holds at most `limit` `{` and `[` characters in all (strings included): then it
 * cannot nest deeper than `limit`. Native searches jump between brackets, so a message of ordinary
 * depth is cleared without the character-by-character scan.
 */
function opensAtMost(text: string, limit: number): boolean {
  let count = 0;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++count > limit) return false;
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++count > limit) return false;
  return true;
}
