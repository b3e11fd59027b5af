/**
 * Name resolution: which backend owns a front name (a tool, a prompt), a URI (a listed resource, a
 * `switchyard:` URI, or one a resource template matches) or a completion's resource reference, and
 * that backend's own name for it — read from the merged lists, so a name resolves exactly as the
 * client saw it listed. Only the backends that can own a name are asked, and none is waited for
 * (`wait: false`): one that is not ready is named as down rather than holding the request.
 */
import { isJsonObject, type JsonObject } from '../jsonrpc/types.ts';
import type { Naming } from '../naming/naming.ts';
import type { UriOwner } from '../naming/resource-uris.ts';
import { matchesUriTemplate } from '../naming/uri-template.ts';
import { type BackendFleet, LISTS, type ListSpec, type Requester } from './backend-fleet.ts';

/** A listed tool or prompt, as far as routing reads it. */
export interface ListedItem {
  name: string;
  annotations?: JsonObject;
  inputSchema?: unknown;
}

/** Where a front tool or prompt name goes. */
export type NameRoute =
  /** `backend` owns it, as `name`; `listed`: its entry in the merged list. */
  | { kind: 'owned'; backend: string; name: string; listed: ListedItem | undefined }
  /** Nobody listed it, and the backend whose prefix it carries is down: the client hears which. */
  | { kind: 'down'; backend: string; reason: string }
  | { kind: 'unknown' };

export class NameResolver {
  /** The owned routes already read from each merged list, by front name. */
  private readonly owned = new WeakMap<object, Map<string, NameRoute>>();

  /** `naming`: the names in force (they change on a configuration reload). */
  constructor(
    private readonly fleet: BackendFleet,
    private readonly naming: () => Naming,
  ) {}

  /** The owner of a front tool (`tools/list`) or prompt (`prompts/list`) name. */
  async named(session: Requester, spec: ListSpec, frontName: string): Promise<NameRoute> {
    const naming = this.naming();
    const candidates = naming.candidates(frontName);
    const merged =
      this.fleet.mergedNow(session, spec, candidates) ??
      (await this.fleet.merged(session, spec, candidates, { wait: false }));
    // A merged list is never changed once made: the routes to its names are kept with it.
    let routes = this.owned.get(merged);
    const known = routes?.get(frontName);
    if (known) return known;
    const owner = merged.names?.resolve(frontName);
    if (!owner) {
      const down = unavailableOwner(naming, frontName, merged.result);
      return down ? { kind: 'down', ...down } : { kind: 'unknown' };
    }
    const listed = (merged.result[spec.field] as ListedItem[] | undefined)?.find((t) => t.name === frontName);
    const route: NameRoute = { kind: 'owned', backend: owner.backend, name: owner.name, listed };
    // Only names the list holds are kept, so the map is no bigger than the list.
    if (!routes) {
      routes = new Map();
      this.owned.set(merged, routes);
    }
    routes.set(frontName, route);
    return route;
  }

  /**
   * The backend of a client's URI: a listed resource (or the gateway's `switchyard:` form), else
   * the first backend (in configuration order) with a resource template the URI matches.
   */
  async uri(session: Requester, uri: string): Promise<UriOwner | undefined> {
    const names = this.naming().backends.map((b) => b.name);
    const listed = await this.fleet.merged(session, LISTS['resources/list']!, names, { wait: false });
    const owner = listed.uris?.resolve(uri);
    if (owner) return owner;
    const templated = await this.templateOwner(session, (t) => matchesUriTemplate(t, uri));
    return templated && { backend: templated.backend, uri };
  }

  /** The backend of a completion's `ref/resource`: a template of exactly that URI, else the URI's owner. */
  async resourceRef(session: Requester, uri: string): Promise<{ backend: string } | undefined> {
    return (await this.templateOwner(session, (t) => t === uri)) ?? (await this.uri(session, uri));
  }

  /** The backend whose resource template satisfies `test` (first in configuration order). */
  private async templateOwner(
    session: Requester,
    test: (uriTemplate: string) => boolean,
  ): Promise<{ backend: string } | undefined> {
    const names = this.naming().backends.map((b) => b.name);
    const merged = await this.fleet.merged(session, LISTS['resources/templates/list']!, names, {
      wait: false,
    });
    const templates = (merged.result.resourceTemplates ?? []) as { name: string; uriTemplate?: unknown }[];
    for (const t of templates) {
      if (typeof t.uriTemplate !== 'string' || !test(t.uriTemplate)) continue;
      const owner = merged.names?.resolve(t.name);
      if (owner) return { backend: owner.backend };
    }
    return undefined;
  }
}

/** A failed backend whose prefix `frontName` carries, so the client hears which backend is down. */
function unavailableOwner(
  naming: Naming,
  frontName: string,
  result: JsonObject,
): { backend: string; reason: string } | undefined {
  const meta = result._meta;
  const down = isJsonObject(meta) ? meta['switchyard/unavailable'] : undefined;
  if (!Array.isArray(down)) return undefined;
  for (const u of down as { backend: string; reason: string }[]) {
    const { prefix } = naming.backend(u.backend);
    if (prefix === false || frontName.startsWith(`${prefix}${naming.separator}`)) {
      return { backend: u.backend, reason: u.reason };
    }
  }
  return undefined;
}
