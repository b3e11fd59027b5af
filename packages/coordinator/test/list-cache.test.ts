import { describe, expect, it } from 'vitest';
import { LIST_CHANGED_NOTIFICATIONS, ListCache } from '../src/index.ts';

const changed = (method: string) => ({ jsonrpc: '2.0' as const, method });

describe('ListCache', () => {
  it('keeps a fetched list per backend and kind', () => {
    const cache = new ListCache<string>();
    expect(cache.get('a', 'tools')).toBeUndefined();
    expect(cache.complete(cache.begin('a', 'tools'), ['x'])).toBe(true);
    expect(cache.get('a', 'tools')).toEqual(['x']);
    expect(cache.get('a', 'prompts')).toBeUndefined();
    expect(cache.get('b', 'tools')).toBeUndefined();
  });

  it('drops only the list a list_changed notification names, only for that backend', () => {
    const cache = new ListCache<string>();
    for (const backend of ['a', 'b']) {
      for (const kind of ['tools', 'prompts', 'resources', 'resourceTemplates'] as const) {
        cache.complete(cache.begin(backend, kind), [kind]);
      }
    }
    expect(cache.onNotification('a', changed('notifications/tools/list_changed'))).toEqual(['tools']);
    expect(cache.get('a', 'tools')).toBeUndefined();
    expect(cache.get('a', 'prompts')).toEqual(['prompts']);
    expect(cache.get('b', 'tools')).toEqual(['tools']);

    expect(cache.onNotification('a', changed('notifications/resources/list_changed'))).toEqual([
      'resources',
      'resourceTemplates',
    ]);
    expect(cache.get('a', 'resources')).toBeUndefined();
    expect(cache.get('a', 'resourceTemplates')).toBeUndefined();
    expect(cache.onNotification('b', changed('notifications/prompts/list_changed'))).toEqual(['prompts']);
    expect(cache.get('b', 'prompts')).toBeUndefined();
  });

  it('ignores other notifications, including names that are Object.prototype keys', () => {
    const cache = new ListCache<string>();
    cache.complete(cache.begin('a', 'tools'), ['x']);
    for (const method of ['notifications/progress', 'constructor', '__proto__', 'toString']) {
      expect(cache.onNotification('a', changed(method))).toEqual([]);
    }
    expect(cache.get('a', 'tools')).toEqual(['x']);
    expect([...LIST_CHANGED_NOTIFICATIONS.keys()]).toHaveLength(3);
  });

  it('refuses a fetch that a notification overtook', () => {
    const cache = new ListCache<string>();
    const slow = cache.begin('a', 'tools');
    cache.onNotification('a', changed('notifications/tools/list_changed'));
    expect(cache.complete(slow, ['stale'])).toBe(false);
    expect(cache.get('a', 'tools')).toBeUndefined();
    const fresh = cache.begin('a', 'tools');
    expect(cache.complete(fresh, ['fresh'])).toBe(true);
    expect(cache.get('a', 'tools')).toEqual(['fresh']);
  });

  it('invalidates all lists of a backend, and forgets a removed one without reviving old fetches', () => {
    const cache = new ListCache<string>();
    cache.complete(cache.begin('a', 'tools'), ['x']);
    cache.complete(cache.begin('a', 'prompts'), ['p']);
    cache.invalidate('a');
    expect(cache.get('a', 'tools')).toBeUndefined();
    expect(cache.get('a', 'prompts')).toBeUndefined();

    const before = cache.begin('b', 'tools');
    cache.remove('b');
    expect(cache.complete(before, ['old'])).toBe(false);
    expect(cache.get('b', 'tools')).toBeUndefined();
  });
});
