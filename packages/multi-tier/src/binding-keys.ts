/**
 * The keys a per-session or per-principal backend binds its workers to — and reserves them under in
 * its pool: a session's id, an anonymous acquire's key, or a principal's key. The NUL prefixes keep
 * the latter two apart from session ids (and a backend binds only principals or only sessions).
 */

/** A session name the caller cannot make: per-session acquires without a session use these. */
export const ANONYMOUS = '\u0000lease-';

/** The prefix of a principal's binding key on a per-principal backend. */
const PRINCIPAL = '\u0000principal:';

/** The binding key of `principal`. */
export function principalKey(principal: string): string {
  return `${PRINCIPAL}${principal}`;
}

/** The principal a binding key stands for (undefined for a session's or an anonymous key). */
export function principalOf(key: string | undefined): string | undefined {
  return key?.startsWith(PRINCIPAL) ? key.slice(PRINCIPAL.length) : undefined;
}
