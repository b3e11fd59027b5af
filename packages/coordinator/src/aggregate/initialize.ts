/**
 * The gateway's answer to `initialize`: its own `serverInfo`, the negotiated protocol version,
 * the union of the ready backends' capabilities and their instructions. Backends that could not
 * be initialized are named in `_meta['switchyard/unavailable']`.
 */
import type { Naming } from '../naming/naming.ts';
import { mergeCapabilities, type ServerCapabilities } from './capabilities.ts';
import { mergeInstructions } from './instructions.ts';
import {
  type BackendOutcome,
  splitOutcomes,
  UNAVAILABLE_META_KEY,
  type Unavailable,
  unavailableMeta,
} from './outcome.ts';

/** `serverInfo` / `clientInfo`. */
export interface Implementation {
  name: string;
  version: string;
  title?: string;
  [key: string]: unknown;
}

/** What a backend's own `initialize` result says that the merge uses. */
export interface BackendInitializeInfo {
  capabilities: ServerCapabilities;
  instructions?: string;
}

export interface InitializeResult {
  protocolVersion: string;
  capabilities: ServerCapabilities;
  serverInfo: Implementation;
  instructions?: string;
  _meta?: { [UNAVAILABLE_META_KEY]: Unavailable[] };
}

export interface MergeInitializeInput {
  /** The version to answer with (see `negotiateLegacyVersion`). */
  protocolVersion: string;
  /** The gateway's own identity. */
  serverInfo: Implementation;
  /** The gateway's own words, before the backends' instructions. */
  preamble?: string;
  /** Each backend's initialize outcome. */
  backends: readonly BackendOutcome<BackendInitializeInfo>[];
}

export function mergeInitializeResult(naming: Naming, input: MergeInitializeInput): InitializeResult {
  const { answered, unavailable } = splitOutcomes(naming, input.backends);
  const result: InitializeResult = {
    protocolVersion: input.protocolVersion,
    capabilities: mergeCapabilities(answered.map((a) => a.value.capabilities)),
    serverInfo: input.serverInfo,
  };
  const instructions = mergeInstructions(
    naming,
    answered.map((a) => ({ backend: a.backend, instructions: a.value.instructions })),
    input.preamble,
  );
  if (instructions !== undefined) result.instructions = instructions;
  const meta = unavailableMeta(unavailable);
  if (meta) result._meta = meta;
  return result;
}
