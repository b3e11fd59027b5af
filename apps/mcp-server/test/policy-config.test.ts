/** `switchyard.policy` and `auth.tokens[].groups` in the configuration: what is refused, naming the key. */
import { describe, expect, it } from 'vitest';
import { formatIssue, isConfigError } from '../src/config/errors.ts';
import { parseConfigValue } from '../src/config/load.ts';

function lines(switchyard: unknown): string[] {
  try {
    parseConfigValue({ mcpServers: {}, switchyard } as never, {
      source: 'test.json',
      baseDir: '/tmp',
      env: {},
    });
  } catch (error) {
    if (isConfigError(error)) return error.issues.map(formatIssue);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('switchyard.policy in the configuration', () => {
  it('takes rules and a default, and groups on static tokens', () => {
    const config = parseConfigValue(
      {
        mcpServers: {},
        switchyard: {
          auth: { tokens: [{ token: 'a'.repeat(32), principal: 'alice', groups: ['dev'] }] },
          policy: {
            default: 'deny',
            groupsClaim: 'roles',
            rules: [
              { id: 'dev', effect: 'allow', groups: ['dev'], backends: ['fs'] },
              { id: 'no-rm', effect: 'deny', tools: ['rm*'] },
            ],
          },
        },
      } as never,
      { source: 'test.json', baseDir: '/tmp', env: {} },
    );
    expect(config.settings.policy).toEqual({
      default: 'deny',
      groupsClaim: 'roles',
      rules: [
        { id: 'dev', effect: 'allow', groups: ['dev'], backends: ['fs'] },
        { id: 'no-rm', effect: 'deny', tools: ['rm*'] },
      ],
    });
    expect(config.settings.auth.tokens[0]).toMatchObject({ principal: 'alice', groups: ['dev'] });
  });

  it('refuses a rule without an effect, or with one that is not allow or deny', () => {
    expect(lines({ policy: { rules: [{ id: 'r' }] } })).toEqual([
      'switchyard.policy.rules.0.effect: expected one of allow, deny; found nothing',
    ]);
    expect(lines({ policy: { rules: [{ id: 'r', effect: 'permit' }] } })).toEqual([
      'switchyard.policy.rules.0.effect: expected one of allow, deny; found "permit"',
    ]);
    expect(lines({ policy: { default: 'block' } })).toEqual([
      'switchyard.policy.default: expected one of allow, deny; found "block"',
    ]);
  });

  it('refuses two rules with one id, naming the second', () => {
    expect(
      lines({
        policy: {
          rules: [
            { id: 'same', effect: 'allow' },
            { id: 'same', effect: 'deny' },
          ],
        },
      }),
    ).toEqual([
      'switchyard.policy.rules.1.id: expected an id no other rule has (rules.0.id is it too); found "same"',
    ]);
  });

  it('refuses an empty pattern list, an empty pattern, and a misspelt key', () => {
    expect(lines({ policy: { rules: [{ id: 'r', effect: 'deny', tools: [] }] } })).toEqual([
      'switchyard.policy.rules.0.tools: expected at least one pattern (leave the key out to match every tool); found an array',
    ]);
    expect(lines({ policy: { rules: [{ id: 'r', effect: 'deny', groups: [''] }] } })).toEqual([
      expect.stringMatching(/^switchyard\.policy\.rules\.0\.groups\.0: .*a non-empty name or glob/),
    ]);
    expect(lines({ policy: { rules: [{ id: 'r', effect: 'deny', tool: ['x'] }] } })).toEqual([
      expect.stringMatching(/^switchyard\.policy\.rules\.0\.tool: .*did you mean "tools"/),
    ]);
    expect(lines({ auth: { tokens: [{ token: 'a'.repeat(32), principal: 'p', groups: [''] }] } })).toEqual([
      expect.stringMatching(/^switchyard\.auth\.tokens\.0\.groups\.0: .*a non-empty group name/),
    ]);
  });
});
