/** The node tag of a 2026 `requestState` (`src/cluster/request-state.ts`): it names its node, or none. */
import { describe, expect, it } from 'vitest';
import { nodeOfRequestState, requestStateTag } from '../src/cluster/request-state.ts';

describe('requestState node tags', () => {
  it('a tagged state names its node, whatever characters the id has', () => {
    for (const id of ['vm-123-abcd1234', 'node.a/b:c', 'ünïcode node']) {
      expect(nodeOfRequestState(`${requestStateTag(id)}0123456789abcdef0123456789abcdef`)).toBe(id);
    }
  });

  it('an untagged, foreign or malformed state names none', () => {
    for (const state of ['0123456789abcdef', 'forged', 'sy.', 'sy..x', 'sy.not base64!.x', 'sy.abc']) {
      expect(nodeOfRequestState(state), state).toBeUndefined();
    }
  });
});
