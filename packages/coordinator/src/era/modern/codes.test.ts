import { describe, expect, it } from 'vitest';
import * as legacyCodes from '../../jsonrpc/codes.ts';
import {
  HEADER_MISMATCH,
  HTTP_STATUS_OF_CODE,
  MISSING_REQUIRED_CLIENT_CAPABILITY,
  RETIRED_CODES,
  SPEC_RESERVED_CODES,
  UNSUPPORTED_PROTOCOL_VERSION,
} from './codes.ts';
import {
  headerMismatch,
  invalidRequestMeta,
  missingRequiredClientCapability,
  unsupportedProtocolVersion,
} from './errors.ts';

describe('2026-07-28 error codes', () => {
  it('are the schema’s numbers, inside the range the spec reserves for itself', () => {
    expect([HEADER_MISMATCH, MISSING_REQUIRED_CLIENT_CAPABILITY, UNSUPPORTED_PROTOCOL_VERSION]).toEqual([
      -32020, -32021, -32022,
    ]);
    for (const code of [HEADER_MISMATCH, MISSING_REQUIRED_CLIENT_CAPABILITY, UNSUPPORTED_PROTOCOL_VERSION]) {
      expect(code).toBeGreaterThanOrEqual(SPEC_RESERVED_CODES.min);
      expect(code).toBeLessThanOrEqual(SPEC_RESERVED_CODES.max);
    }
  });

  it('retire the 2025 codes for resource not found and URL elicitation', () => {
    expect(RETIRED_CODES).toEqual([legacyCodes.RESOURCE_NOT_FOUND, legacyCodes.URL_ELICITATION_REQUIRED]);
  });

  it('travel with the HTTP status the spec names', () => {
    expect(Object.fromEntries(HTTP_STATUS_OF_CODE)).toEqual({
      '-32020': 400,
      '-32021': 400,
      '-32022': 400,
      '-32601': 404,
    });
    const built = [
      headerMismatch(1, 'Mcp-Name', 'missing', 'x'),
      unsupportedProtocolVersion(1, '1900-01-01', ['2026-07-28']),
      missingRequiredClientCapability(1, { elicitation: {} }),
    ];
    for (const b of built) expect(b.httpStatus).toBe(HTTP_STATUS_OF_CODE.get(b.response.error.code));
  });

  it('build the schema’s error shapes', () => {
    expect(missingRequiredClientCapability('r', { elicitation: {} }).response).toEqual({
      jsonrpc: '2.0',
      id: 'r',
      error: {
        code: -32021,
        message: 'Missing required client capability: elicitation',
        data: { requiredCapabilities: { elicitation: {} } },
      },
    });
    expect(unsupportedProtocolVersion(undefined, 'x', ['2026-07-28']).response).toEqual({
      jsonrpc: '2.0',
      error: {
        code: -32022,
        message: 'Unsupported protocol version',
        data: { supported: ['2026-07-28'], requested: 'x' },
      },
    });
    expect(invalidRequestMeta(3, 'k', 'is required')).toEqual({
      httpStatus: 400,
      response: {
        jsonrpc: '2.0',
        id: 3,
        error: {
          code: -32602,
          message: 'Invalid params: _meta["k"] is required',
          data: { meta: 'k', problem: 'is required' },
        },
      },
    });
  });
});
