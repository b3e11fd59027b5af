/**
 * Whether a URI could have come from an RFC 6570 URI template, for routing `resources/read` of a
 * templated resource to the backend that listed the template. Levels 1–4 are matched loosely:
 * a simple `{var}` is one path segment (no `/`, `?`, `#`), `{+var}` / `{#var}` anything, and the
 * operator forms (`{/var}`, `{.var}`, `{;var}`, `{?var}`, `{&var}`) an optional part of their kind.
 * Matching, not expansion: it tells where a URI goes, the backend checks the rest.
 */

const OPERATOR_PATTERN: Readonly<Record<string, string>> = {
  '': '[^/?#]*',
  '+': '.*',
  '#': '(?:#.*)?',
  '/': '(?:/[^?#]*)?',
  '.': '(?:\\.[^/?#]*)?',
  ';': '(?:;[^/?#]*)?',
  '?': '(?:\\?[^#]*)?',
  '&': '(?:&[^#]*)?',
};

const escapeLiteral = (literal: string): string => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A matcher for `template`, or `undefined` when it is not a well-formed template. */
export function compileUriTemplate(template: string): RegExp | undefined {
  let pattern = '';
  let at = 0;
  for (const m of template.matchAll(/\{([^{}]*)\}/g)) {
    const before = template.slice(at, m.index);
    if (/[{}]/.test(before)) return undefined;
    pattern += escapeLiteral(before);
    const expression = m[1] ?? '';
    const operator = /^[+#./;?&]/.test(expression) ? expression[0]! : '';
    const names = expression.slice(operator.length);
    if (!/^[A-Za-z0-9_%.]+(?::\d+|\*)?(?:,[A-Za-z0-9_%.]+(?::\d+|\*)?)*$/.test(names)) return undefined;
    pattern += OPERATOR_PATTERN[operator];
    at = m.index + m[0].length;
  }
  const rest = template.slice(at);
  if (/[{}]/.test(rest)) return undefined;
  return new RegExp(`^${pattern}${escapeLiteral(rest)}$`);
}

/** Whether `uri` matches `template` (false for a malformed template). */
export function matchesUriTemplate(template: string, uri: string): boolean {
  return compileUriTemplate(template)?.test(uri) ?? false;
}
