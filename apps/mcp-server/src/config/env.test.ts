import { describe, expect, it } from 'vitest';
import { expandEnv } from './env.ts';

describe('expandEnv', () => {
  it('expands ${VAR} and ${VAR:-default} in every string, nested', () => {
    const { value, issues } = expandEnv(
      { a: '${A}', b: ['x-${B:-dflt}-y', { c: '${C:-}' }], n: 3, t: true },
      { A: 'alpha', C: 'gamma' },
    );
    expect(issues).toEqual([]);
    expect(value).toEqual({ a: 'alpha', b: ['x-dflt-y', { c: 'gamma' }], n: 3, t: true });
  });

  it('takes the default when the variable is empty', () => {
    expect(expandEnv('${E:-fallback}', { E: '' }).value).toBe('fallback');
  });

  it('keeps $${ as a literal ${', () => {
    expect(expandEnv('$${HOME} and ${HOME}', { HOME: '/h' }).value).toBe('${HOME} and /h');
  });

  it('names the path and the variable of each unset reference', () => {
    const { issues } = expandEnv({ servers: { gh: { env: { T: '${GH_TOKEN}' } } }, list: ['${X}'] }, {});
    expect(issues.map((i) => [i.path, i.found])).toEqual([
      ['servers.gh.env.T', 'GH_TOKEN unset'],
      ['list.0', 'X unset'],
    ]);
    expect(issues[0]?.expected).toContain('GH_TOKEN');
  });

  it('refuses a reference that is not a variable name', () => {
    const { issues } = expandEnv({ a: '${1BAD}' }, {});
    expect(issues).toHaveLength(1);
    expect(issues[0]?.found).toBe('"${1BAD}"');
  });
});
