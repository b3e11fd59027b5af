/**
 * `${VAR}` and `${VAR:-default}` in every string of a configuration (values, not keys), as shells
 * and Docker Compose write them. `$${` stands for a literal `${`. `${VAR:-default}` takes the
 * default when VAR is unset or empty; `${VAR}` with VAR unset is an issue naming the key and the
 * variable, and all such issues are gathered, not only the first.
 *
 * The environment is passed in; nothing here reads `process.env`.
 */
import type { ConfigIssue } from './errors.ts';
import type { JsonValue } from './jsonc.ts';
import { joinPath } from './path.ts';

export type Environment = Readonly<Record<string, string | undefined>>;

const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function expandString(text: string, env: Environment, path: string, issues: ConfigIssue[]): string {
  return text.replace(REFERENCE, (whole, body: string | undefined) => {
    if (body === undefined) return '${'; // the $${ escape
    const sep = body.indexOf(':-');
    const name = sep < 0 ? body : body.slice(0, sep);
    if (!NAME.test(name)) {
      issues.push({
        path,
        expected:
          '${NAME} or ${NAME:-default} with NAME of letters, digits and _ (write $${ for a literal ${)',
        found: JSON.stringify(whole),
      });
      return whole;
    }
    const value = env[name];
    if (sep >= 0) return value === undefined || value === '' ? body.slice(sep + 2) : value;
    if (value !== undefined) return value;
    issues.push({
      path,
      expected: `the environment variable ${name} to be set (or a default: \${${name}:-…})`,
      found: `${name} unset`,
    });
    return whole;
  });
}

/** A copy of `value` with every string expanded, and the issues met on the way. */
export function expandEnv(
  value: JsonValue,
  env: Environment,
  path = '',
): { value: JsonValue; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const walk = (v: JsonValue, at: string): JsonValue => {
    if (typeof v === 'string') return expandString(v, env, at, issues);
    if (Array.isArray(v)) return v.map((item, i) => walk(item, joinPath(at, i)));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, JsonValue> = {};
      for (const [key, item] of Object.entries(v)) {
        Object.defineProperty(out, key, {
          value: walk(item, joinPath(at, key)),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    return v;
  };
  return { value: walk(value, path), issues };
}
