import { classifyInboundRequest } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { HEADER_MISMATCH, UNSUPPORTED_PROTOCOL_VERSION } from './codes.ts';
import { CLIENT_CAPABILITIES_META_KEY, PROTOCOL_VERSION_META_KEY } from './meta-keys.ts';
import {
  detectEra,
  type EraDecision,
  GATEWAY_PROTOCOL_VERSIONS,
  isModernEraVersion,
  isModernProtocolVersion,
  LATEST_MODERN_PROTOCOL_VERSION,
  MODERN_PROTOCOL_VERSIONS,
  modernVersions,
} from './versions.ts';

const envelope = (version: unknown = '2026-07-28') => ({
  [PROTOCOL_VERSION_META_KEY]: version,
  [CLIENT_CAPABILITIES_META_KEY]: {},
});

function rejected(decision: EraDecision) {
  if (decision.era !== 'rejected') throw new Error(`expected a rejection, got ${JSON.stringify(decision)}`);
  return decision;
}

describe('the 2026 revision list', () => {
  it('serves 2026-07-28 and tells it from 2025 and later dates', () => {
    expect([...MODERN_PROTOCOL_VERSIONS]).toEqual(['2026-07-28']);
    expect(LATEST_MODERN_PROTOCOL_VERSION).toBe('2026-07-28');
    expect(isModernProtocolVersion('2026-07-28')).toBe(true);
    for (const v of ['2025-11-25', '2027-01-01', '', 20260728, null, undefined]) {
      expect(isModernProtocolVersion(v)).toBe(false);
    }
    expect(isModernEraVersion('2026-07-28')).toBe(true);
    expect(isModernEraVersion('2027-01-01')).toBe(true);
    expect(isModernEraVersion('2025-11-25')).toBe(false);
    expect(isModernEraVersion('2026-07-28-draft')).toBe(false);
    expect(isModernEraVersion('9999')).toBe(false);
  });

  it('is an EraVersions table like the 2025 one', () => {
    expect(modernVersions.era).toBe('2026');
    expect(modernVersions.supports('2026-07-28')).toBe(true);
    expect(modernVersions.supports('2025-11-25')).toBe(false);
    expect(modernVersions.negotiate('2027-01-01')).toBe('2026-07-28');
  });

  it('lists every served revision newest first for -32022', () => {
    expect(GATEWAY_PROTOCOL_VERSIONS).toEqual(['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26']);
  });
});

describe('detectEra', () => {
  it('takes a request carrying the _meta version as modern, with or without the header', () => {
    for (const header of ['2026-07-28', ' 2026-07-28\t', null]) {
      expect(
        detectEra({ id: 1, protocolVersionHeader: header, method: 'tools/list', meta: envelope() }),
      ).toEqual({ era: 'modern', version: '2026-07-28' });
    }
  });

  it('takes initialize and requests without the _meta version as legacy', () => {
    expect(detectEra({ id: 1, protocolVersionHeader: null, method: 'initialize', meta: undefined })).toEqual({
      era: 'legacy',
    });
    expect(
      detectEra({
        id: 1,
        protocolVersionHeader: '2025-06-18',
        method: 'tools/call',
        meta: { progressToken: 1 },
      }),
    ).toEqual({ era: 'legacy', requestedVersion: '2025-06-18' });
    expect(
      detectEra({ protocolVersionHeader: null, method: 'notifications/initialized', meta: undefined }),
    ).toEqual({ era: 'legacy' });
  });

  it('answers an unserved _meta version with -32022, HTTP 400, the supported list and the requested one', () => {
    const d = rejected(
      detectEra({
        id: 'a',
        protocolVersionHeader: '1900-01-01',
        method: 'tools/list',
        meta: envelope('1900-01-01'),
      }),
    );
    expect(d.reason).toBe('unsupported-version');
    expect(d.rejection).toEqual({
      httpStatus: 400,
      response: {
        jsonrpc: '2.0',
        id: 'a',
        error: {
          code: UNSUPPORTED_PROTOCOL_VERSION,
          message: 'Unsupported protocol version',
          data: {
            supported: ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26'],
            requested: '1900-01-01',
          },
        },
      },
    });
    const later = rejected(
      detectEra({
        id: 2,
        protocolVersionHeader: null,
        method: 'server/discover',
        meta: envelope('2027-01-01'),
        supported: ['2026-07-28'],
      }),
    );
    expect(later.rejection.response.error.data).toEqual({
      supported: ['2026-07-28'],
      requested: '2027-01-01',
    });
  });

  it('answers a header that disagrees with _meta with -32020, HTTP 400', () => {
    const d = rejected(
      detectEra({ id: 3, protocolVersionHeader: '2025-11-25', method: 'tools/list', meta: envelope() }),
    );
    expect(d.reason).toBe('version-mismatch');
    expect(d.rejection.httpStatus).toBe(400);
    expect(d.rejection.response.error.code).toBe(HEADER_MISMATCH);
    expect(d.rejection.response.error.data).toEqual({ header: 'MCP-Protocol-Version', problem: 'mismatch' });
  });

  it('refuses a _meta version that is not a string, and a 2026 header on a request without one (-32602, 400)', () => {
    for (const bad of [20260728, '', null, { v: 1 }]) {
      const d = rejected(
        detectEra({ id: 4, protocolVersionHeader: null, method: 'tools/list', meta: envelope(bad) }),
      );
      expect(d.reason).toBe('invalid-meta');
      expect(d.rejection.httpStatus).toBe(400);
      expect(d.rejection.response.error.code).toBe(-32602);
    }
    const noClaim = rejected(
      detectEra({ id: 5, protocolVersionHeader: '2026-07-28', method: 'tools/list', meta: undefined }),
    );
    expect(noClaim.reason).toBe('invalid-meta');
    expect(noClaim.rejection.response.id).toBe(5);
  });

  it('refuses initialize under a 2026 header, and an unknown header version', () => {
    expect(
      rejected(
        detectEra({ id: 6, protocolVersionHeader: '2026-07-28', method: 'initialize', meta: undefined }),
      ).reason,
    ).toBe('version-mismatch');
    for (const header of ['2024-11-05', 'banana', '']) {
      const d = rejected(
        detectEra({ id: 7, protocolVersionHeader: header, method: 'tools/list', meta: undefined }),
      );
      expect(d.reason).toBe('unsupported-version');
      expect(d.rejection.response.error.data).toMatchObject({ requested: header });
    }
  });

  it('lets a notification name its 2026 version in the header alone (its _meta is optional)', () => {
    expect(
      detectEra({ protocolVersionHeader: '2026-07-28', method: 'notifications/cancelled', meta: undefined }),
    ).toEqual({ era: 'modern', version: '2026-07-28' });
    const later = rejected(
      detectEra({ protocolVersionHeader: '2027-01-01', method: 'notifications/cancelled', meta: undefined }),
    );
    expect(later.rejection.response).not.toHaveProperty('id');
  });

  it('takes a _meta claim of a served 2025 version as legacy, as the v2 SDK does', () => {
    expect(
      detectEra({ id: 8, protocolVersionHeader: null, method: 'tools/list', meta: envelope('2025-11-25') }),
    ).toEqual({ era: 'legacy', requestedVersion: '2025-11-25' });
  });
});

describe('agreement with the v2 SDK classifier (classifyInboundRequest)', () => {
  const cases: { header: string | null; method: string; params?: object; id?: number }[] = [
    { header: '2026-07-28', method: 'tools/list', params: { _meta: envelope() }, id: 1 },
    { header: null, method: 'tools/list', params: { _meta: envelope() }, id: 1 },
    { header: null, method: 'initialize', params: { protocolVersion: '2025-11-25' }, id: 1 },
    { header: '2025-06-18', method: 'tools/list', id: 1 },
    { header: null, method: 'tools/call', params: { name: 'x' }, id: 1 },
    { header: '2025-11-25', method: 'tools/list', params: { _meta: envelope() }, id: 1 },
    { header: '2026-07-28', method: 'initialize', params: { protocolVersion: '2025-11-25' }, id: 1 },
    { header: '2026-07-28', method: 'tools/list', id: 1 },
    { header: '2026-07-28', method: 'notifications/cancelled', params: { requestId: 1 } },
  ];
  for (const c of cases) {
    it(`${c.method} with header ${c.header} and ${c.params ? JSON.stringify(c.params) : 'no params'}`, () => {
      const body = {
        jsonrpc: '2.0',
        method: c.method,
        ...(c.id === undefined ? {} : { id: c.id }),
        ...(c.params ? { params: c.params } : {}),
      };
      const sdk = classifyInboundRequest({
        httpMethod: 'POST',
        ...(c.header === null ? {} : { protocolVersionHeader: c.header }),
        body,
      });
      const ours = detectEra({
        id: c.id,
        protocolVersionHeader: c.header,
        method: c.method,
        meta: (c.params as { _meta?: { [key: string]: unknown } } | undefined)?._meta,
      });
      if (sdk.kind === 'reject') {
        expect(ours.era).toBe('rejected');
        if (ours.era === 'rejected') {
          expect(ours.rejection.response.error.code).toBe(sdk.code);
          expect(ours.rejection.httpStatus).toBe(sdk.httpStatus);
        }
      } else {
        expect(ours.era).toBe(sdk.kind);
      }
    });
  }
});
