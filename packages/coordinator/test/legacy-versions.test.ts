import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import {
  allowsBatches,
  isClientRequestOf,
  isLegacyProtocolVersion,
  LATEST_LEGACY_PROTOCOL_VERSION,
  LEGACY_PROTOCOL_VERSIONS,
  legacyRevisionRules,
  legacyVersions,
  MessageParser,
  negotiateLegacyVersion,
} from '../src/index.ts';

describe('2025-era version negotiation', () => {
  it('answers a supported version with the same one', () => {
    for (const v of ['2025-03-26', '2025-06-18', '2025-11-25']) expect(negotiateLegacyVersion(v)).toBe(v);
  });

  it('answers anything else with the latest supported', () => {
    for (const v of ['2024-11-05', '2026-07-28', '1.0.0', '']) {
      expect(negotiateLegacyVersion(v)).toBe('2025-11-25');
    }
  });

  it('agrees with the SDK on the latest revision and supports what it supports from 2025 on', () => {
    expect(LATEST_LEGACY_PROTOCOL_VERSION).toBe(LATEST_PROTOCOL_VERSION);
    const sdk2025 = SUPPORTED_PROTOCOL_VERSIONS.filter((v) => v.startsWith('2025-')).sort();
    expect([...LEGACY_PROTOCOL_VERSIONS]).toEqual(sdk2025);
  });

  it('is one era table behind the EraVersions interface', () => {
    expect(legacyVersions.era).toBe('2025');
    expect(legacyVersions.latest).toBe('2025-11-25');
    expect(legacyVersions.supports('2025-06-18')).toBe(true);
    expect(legacyVersions.supports('2026-07-28')).toBe(false);
    expect(legacyVersions.negotiate('2024-11-05')).toBe('2025-11-25');
    expect(isLegacyProtocolVersion(20250326)).toBe(false);
  });
});

describe('what each revision allows', () => {
  it('batches only in 2025-03-26', () => {
    expect(allowsBatches('2025-03-26')).toBe(true);
    expect(allowsBatches('2025-06-18')).toBe(false);
    expect(allowsBatches('2025-11-25')).toBe(false);
  });

  it('feeds the parser: a 2025-06-18 client’s batch is refused, a 2025-03-26 one’s is read', () => {
    const batch = '[{"jsonrpc":"2.0","id":1,"method":"ping"}]';
    expect(new MessageParser({ allowBatch: allowsBatches('2025-06-18') }).parse(batch).kind).toBe('rejected');
    expect(new MessageParser({ allowBatch: allowsBatches('2025-03-26') }).parse(batch).kind).toBe('batch');
  });

  it('elicitation from 2025-06-18, URL elicitation, icons and tasks in 2025-11-25', () => {
    const [a, b, c] = LEGACY_PROTOCOL_VERSIONS.map(legacyRevisionRules);
    expect([a!.elicitation, b!.elicitation, c!.elicitation]).toEqual([false, true, true]);
    expect([a!.protocolVersionHeader, b!.protocolVersionHeader]).toEqual([false, true]);
    expect([a!.structuredToolOutput, b!.titles]).toEqual([false, true]);
    expect([b!.urlElicitation, c!.urlElicitation]).toEqual([false, true]);
    expect([b!.icons, c!.icons, b!.tasks, c!.tasks]).toEqual([false, true, false, true]);
    expect(a!.serverRequests.has('elicitation/create')).toBe(false);
    expect(b!.serverRequests.has('elicitation/create')).toBe(true);
    expect(c!.serverNotifications.has('notifications/elicitation/complete')).toBe(true);
    expect(c!.resourceNotFoundCode).toBe(-32002);
  });

  it('knows which requests a client may send in each revision', () => {
    expect(isClientRequestOf('2025-03-26', 'tools/call')).toBe(true);
    expect(isClientRequestOf('2025-06-18', 'tasks/get')).toBe(false);
    expect(isClientRequestOf('2025-11-25', 'tasks/get')).toBe(true);
    expect(isClientRequestOf('2025-11-25', 'server/discover')).toBe(false);
    expect(legacyRevisionRules('2025-11-25').clientNotifications.has('notifications/tasks/status')).toBe(
      true,
    );
  });
});
