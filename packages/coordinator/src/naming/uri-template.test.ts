import { describe, expect, it } from 'vitest';
import { compileUriTemplate, matchesUriTemplate } from './uri-template.ts';

describe('URI templates', () => {
  it('a simple variable is one path segment', () => {
    expect(matchesUriTemplate('test://template/{id}/data', 'test://template/123/data')).toBe(true);
    expect(matchesUriTemplate('test://template/{id}/data', 'test://template/1/2/data')).toBe(false);
    expect(matchesUriTemplate('test://template/{id}/data', 'test://template/123/other')).toBe(false);
  });

  it('reserved expansion spans segments; query and path operators are optional parts', () => {
    expect(matchesUriTemplate('file:///{+path}', 'file:///home/me/notes.md')).toBe(true);
    expect(matchesUriTemplate('api://items{?page,size}', 'api://items?page=2&size=10')).toBe(true);
    expect(matchesUriTemplate('api://items{?page,size}', 'api://items')).toBe(true);
    expect(matchesUriTemplate('repo://{owner}{/path*}', 'repo://me/a/b')).toBe(true);
  });

  it('literal characters are literal (a dot is not any character)', () => {
    expect(matchesUriTemplate('x://a.b/{id}', 'x://aXb/1')).toBe(false);
  });

  it('a malformed template matches nothing', () => {
    expect(compileUriTemplate('x://{unclosed')).toBeUndefined();
    expect(compileUriTemplate('x://{a b}')).toBeUndefined();
    expect(matchesUriTemplate('x://}{', 'x://}{')).toBe(false);
  });
});
