/**
 * The 2026 era: its revisions, and which era one incoming request speaks.
 *
 * There is no handshake in 2026-07-28 (basic/versioning.mdx): every request names its version in
 * `params._meta["io.modelcontextprotocol/protocolVersion"]`, and on HTTP also in the
 * `MCP-Protocol-Version` header, which must match it. A dual-era server (the gateway) serves a
 * request that carries that `_meta` key statelessly, and an `initialize` (or any request without
 * the key) by 2025 rules.
 *
 * `detectEra` is body-first, like the v2 SDK's `classifyInboundRequest`: the `_meta` claim decides,
 * the header only cross-checks it (a proxy that drops the header must not change the era). Whether
 * the standard headers are all present is `validateStandardHeaders`' part (`headers.ts`).
 */
import type { RequestId } from '../../jsonrpc/types.ts';
import type { EraVersions } from '../era.ts';
import { isLegacyProtocolVersion, LEGACY_PROTOCOL_VERSIONS } from '../legacy-versions.ts';
import {
  headerMismatch,
  invalidRequestMeta,
  type ModernRejection,
  unsupportedProtocolVersion,
} from './errors.ts';
import { PROTOCOL_VERSION_META_KEY } from './meta-keys.ts';
import { trimOws } from './ows.ts';

export const MODERN_PROTOCOL_VERSIONS = ['2026-07-28'] as const;
export type ModernProtocolVersion = (typeof MODERN_PROTOCOL_VERSIONS)[number];
export const LATEST_MODERN_PROTOCOL_VERSION: ModernProtocolVersion = '2026-07-28';
/** The first revision without `initialize`; revisions are ISO dates, so later ones sort after it. */
export const FIRST_MODERN_PROTOCOL_VERSION = '2026-07-28';

/** Every revision the gateway serves, newest first: the `supported` list of -32022. */
export const GATEWAY_PROTOCOL_VERSIONS: readonly string[] = [
  ...[...MODERN_PROTOCOL_VERSIONS].reverse(),
  ...[...LEGACY_PROTOCOL_VERSIONS].reverse(),
];

/** A 2026-era revision the gateway serves. */
export function isModernProtocolVersion(version: unknown): version is ModernProtocolVersion {
  return (MODERN_PROTOCOL_VERSIONS as readonly unknown[]).includes(version);
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A revision of the 2026 era or later (served or not): a date from 2026-07-28 on. */
export function isModernEraVersion(version: string): boolean {
  return ISO_DATE.test(version) && version >= FIRST_MODERN_PROTOCOL_VERSION;
}

/** The 2026 era's version table (see `EraVersions`). A 2026 client gets its own version or an error. */
export const modernVersions: EraVersions<ModernProtocolVersion> = {
  era: '2026',
  supported: MODERN_PROTOCOL_VERSIONS,
  latest: LATEST_MODERN_PROTOCOL_VERSION,
  supports: isModernProtocolVersion,
  negotiate: (requested) => (isModernProtocolVersion(requested) ? requested : LATEST_MODERN_PROTOCOL_VERSION),
};

export interface EraInput {
  /** The request's id; `undefined` for a notification. */
  id?: RequestId | undefined;
  /** The `MCP-Protocol-Version` header (`null` when absent, or off HTTP). */
  protocolVersionHeader: string | null;
  method: string;
  /** `params._meta` of the message (see `requestMeta`). */
  meta: { [key: string]: unknown } | undefined;
  /** The versions to name in a -32022; default `GATEWAY_PROTOCOL_VERSIONS`. */
  supported?: readonly string[];
}

export type EraDecision =
  | { era: 'modern'; version: ModernProtocolVersion }
  /** 2025 rules apply: `requestedVersion` is the header's value, or the `_meta` claim of a 2025 version. */
  | { era: 'legacy'; requestedVersion?: string }
  | { era: 'rejected'; reason: EraRejectionReason; rejection: ModernRejection };

export type EraRejectionReason =
  /** -32022: the version named is not one the gateway serves. */
  | 'unsupported-version'
  /** -32020: the header and `_meta` name different versions (or `initialize` came with a 2026 header). */
  | 'version-mismatch'
  /** -32602: the `_meta` claim is not a string, or a 2026 header came without the `_meta` claim. */
  | 'invalid-meta';

/**
 * Which era `input` speaks, or the error answer (with its HTTP status) when it cannot be served:
 *
 * 1. A `_meta` protocol-version claim decides. It must be a non-empty string (else -32602) and
 *    equal a header that is present (else -32020). A 2026 version the gateway serves → `modern`;
 *    a 2025 version the gateway serves → `legacy` (no 2025 revision has the key, so 2025 rules
 *    then refuse or serve it as a 2025 request would be); anything else → -32022.
 * 2. Without a claim: `initialize` is `legacy`, unless the header names a 2026-era version
 *    (-32020, a legacy handshake under a modern header). No header → `legacy` (the spec lets a
 *    server take it as 2025-03-26). A served 2025 version → `legacy`. A 2026-era header on a
 *    request is -32602 (the required `_meta` key is missing; basic/index.mdx), on a notification
 *    (whose `_meta` is optional) `modern` if served, else -32022. Any other header → -32022 (2025
 *    rules also answer an unsupported header with 400).
 */
export function detectEra(input: EraInput): EraDecision {
  const { id, method, meta } = input;
  const supported = input.supported ?? GATEWAY_PROTOCOL_VERSIONS;
  const header = input.protocolVersionHeader === null ? null : trimOws(input.protocolVersionHeader);
  const unsupported = (requested: string): EraDecision => ({
    era: 'rejected',
    reason: 'unsupported-version',
    rejection: unsupportedProtocolVersion(id, requested, supported),
  });

  if (meta !== undefined && PROTOCOL_VERSION_META_KEY in meta) {
    const claim = meta[PROTOCOL_VERSION_META_KEY];
    if (typeof claim !== 'string' || claim === '') {
      return {
        era: 'rejected',
        reason: 'invalid-meta',
        rejection: invalidRequestMeta(id, PROTOCOL_VERSION_META_KEY, 'must be a protocol version string'),
      };
    }
    if (header !== null && header !== claim) {
      return {
        era: 'rejected',
        reason: 'version-mismatch',
        rejection: headerMismatch(
          id,
          'MCP-Protocol-Version',
          'mismatch',
          `MCP-Protocol-Version header value '${header}' does not match _meta value '${claim}'`,
        ),
      };
    }
    if (isModernProtocolVersion(claim)) return { era: 'modern', version: claim };
    if (isLegacyProtocolVersion(claim)) return { era: 'legacy', requestedVersion: claim };
    return unsupported(claim);
  }

  if (method === 'initialize') {
    if (header !== null && isModernEraVersion(header)) {
      return {
        era: 'rejected',
        reason: 'version-mismatch',
        rejection: headerMismatch(
          id,
          'MCP-Protocol-Version',
          'mismatch',
          `initialize is a 2025-era request but the MCP-Protocol-Version header is '${header}'`,
        ),
      };
    }
    return header === null ? { era: 'legacy' } : { era: 'legacy', requestedVersion: header };
  }
  if (header === null) return { era: 'legacy' };
  if (isLegacyProtocolVersion(header)) return { era: 'legacy', requestedVersion: header };
  if (isModernEraVersion(header)) {
    if (id !== undefined) {
      return {
        era: 'rejected',
        reason: 'invalid-meta',
        rejection: invalidRequestMeta(
          id,
          PROTOCOL_VERSION_META_KEY,
          `is required (the MCP-Protocol-Version header names ${header})`,
        ),
      };
    }
    return isModernProtocolVersion(header) ? { era: 'modern', version: header } : unsupported(header);
  }
  return unsupported(header);
}
