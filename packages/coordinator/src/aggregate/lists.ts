/**
 * Merging the list results of many backends into the one list a client sees.
 *
 * - Names: tools, prompts and resource templates get their front names (`Naming`); the tables
 *   returned beside each result map front names back for routing. Tools pass the backend's tool
 *   filter first, so a hidden tool is neither listed nor callable. Resources keep their URIs (see
 *   `ResourceTable` for URIs two backends share); their `name` is a label, not an identifier.
 * - Order: backends in configuration order (whatever order their answers came in), each backend's
 *   items in the order it listed them. The same inputs always give the same list.
 * - Failures: a backend that failed is left out and named, with its reason, in
 *   `_meta['switchyard/unavailable']`; the result itself is never an error.
 * - Collisions: two owners of one front name throw `NameCollisionError` (see `NameTable`).
 *
 * Each backend's list is taken whole (all its pages, as `ListCache` keeps it).
 */
import type { NameKind } from '../errors.ts';
import type { JsonObject } from '../jsonrpc/types.ts';
import type { NameFilter } from '../naming/filter.ts';
import { NameTable } from '../naming/name-table.ts';
import type { Naming } from '../naming/naming.ts';
import { ResourceTable } from '../naming/resource-uris.ts';
import {
  type BackendOutcome,
  splitOutcomes,
  UNAVAILABLE_META_KEY,
  type Unavailable,
  unavailableMeta,
} from './outcome.ts';

/** A listed tool, prompt or resource template: anything with a `name`. */
export interface NamedItem extends JsonObject {
  name: string;
}

/** A listed resource. */
export interface ResourceItem extends JsonObject {
  uri: string;
  name: string;
}

/** The `_meta` of a merged list, when some backend was left out. */
export type MergedMeta = { [UNAVAILABLE_META_KEY]: Unavailable[] };

export interface MergedTools {
  result: { tools: NamedItem[]; _meta?: MergedMeta };
  names: NameTable;
}

export interface MergedPrompts {
  result: { prompts: NamedItem[]; _meta?: MergedMeta };
  names: NameTable;
}

export interface MergedResourceTemplates {
  result: { resourceTemplates: NamedItem[]; _meta?: MergedMeta };
  names: NameTable;
}

export interface MergedResources {
  result: { resources: ResourceItem[]; _meta?: MergedMeta };
  uris: ResourceTable;
}

function withMeta<R extends object>(
  result: R,
  unavailable: readonly Unavailable[],
): R & { _meta?: MergedMeta } {
  const meta = unavailableMeta(unavailable);
  return meta ? { ...result, _meta: meta } : result;
}

function mergeNamed(
  naming: Naming,
  kind: NameKind,
  outcomes: readonly BackendOutcome<readonly NamedItem[]>[],
  filterOf?: (backend: string) => NameFilter,
): { items: NamedItem[]; names: NameTable; unavailable: Unavailable[] } {
  const { answered, unavailable } = splitOutcomes(naming, outcomes);
  const shown = answered.map(({ backend, value }) => {
    const filter = filterOf?.(backend);
    return { backend, items: filter ? value.filter((item) => filter.allows(item.name)) : value };
  });
  const names = NameTable.build(
    naming,
    kind,
    shown.map(({ backend, items }) => ({ backend, names: items.map((i) => i.name) })),
  );
  const items = shown.flatMap(({ backend, items }) =>
    items.map((item) => ({ ...item, name: naming.frontName(backend, item.name) })),
  );
  return { items, names, unavailable };
}

/** `tools/list` across backends. */
export function mergeTools(
  naming: Naming,
  outcomes: readonly BackendOutcome<readonly NamedItem[]>[],
): MergedTools {
  const m = mergeNamed(naming, 'tool', outcomes, (backend) => naming.backend(backend).toolFilter);
  return { result: withMeta({ tools: m.items }, m.unavailable), names: m.names };
}

/** `prompts/list` across backends. */
export function mergePrompts(
  naming: Naming,
  outcomes: readonly BackendOutcome<readonly NamedItem[]>[],
): MergedPrompts {
  const m = mergeNamed(naming, 'prompt', outcomes);
  return { result: withMeta({ prompts: m.items }, m.unavailable), names: m.names };
}

/** `resources/templates/list` across backends: names get front names, `uriTemplate`s are kept. */
export function mergeResourceTemplates(
  naming: Naming,
  outcomes: readonly BackendOutcome<readonly NamedItem[]>[],
): MergedResourceTemplates {
  const m = mergeNamed(naming, 'resource template', outcomes);
  return { result: withMeta({ resourceTemplates: m.items }, m.unavailable), names: m.names };
}

/** `resources/list` across backends: URIs stay, unless two backends share one. */
export function mergeResources(
  naming: Naming,
  outcomes: readonly BackendOutcome<readonly ResourceItem[]>[],
): MergedResources {
  const { answered, unavailable } = splitOutcomes(naming, outcomes);
  const uris = ResourceTable.build(
    naming,
    answered.map(({ backend, value }) => ({ backend, uris: value.map((i) => i.uri) })),
  );
  const resources = answered.flatMap(({ backend, value }) =>
    value.map((item) => ({ ...item, uri: uris.frontUri(backend, item.uri) })),
  );
  return { result: withMeta({ resources }, unavailable), uris };
}
