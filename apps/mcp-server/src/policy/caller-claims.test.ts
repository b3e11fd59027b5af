import { describe, expect, it } from 'vitest';
import { callerClaims } from './caller-claims.ts';

describe('callerClaims', () => {
  it("takes a static token's groups as configured", () => {
    expect(callerClaims({ groups: ['ops'] }, 'groups')).toEqual({ groups: ['ops'] });
  });

  it("takes an access token's client, scopes and the groups of the configured claim", () => {
    const claims = { sub: 'u', roles: ['a', 7, '', 'b'], groups: 'x y' };
    expect(callerClaims({ clientId: 'app', scopes: ['mcp'], claims }, 'roles')).toEqual({
      clientId: 'app',
      scopes: ['mcp'],
      groups: ['a', 'b'],
    });
    expect(callerClaims({ claims }, 'groups')).toEqual({ groups: ['x', 'y'] });
  });

  it('gives no groups when the claim is absent or of another type', () => {
    expect(callerClaims({ claims: { groups: { admin: true } } }, 'groups')).toEqual({});
    expect(callerClaims({ claims: {} }, 'groups')).toEqual({});
  });
});
