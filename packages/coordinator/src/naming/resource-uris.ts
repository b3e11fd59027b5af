/**
 * Resource URIs across backends.
 *
 * A resource is routed by the URI its backend listed: `file:///notes.md` stays `file:///notes.md`
 * for the client, and a `resources/read` of it goes to the backend that listed it. Names are not
 * involved, so prefixes do not touch URIs.
 *
 * Decision — where two backends list the same URI, neither keeps the plain form (first-come would
 * make routing depend on start-up order). Both are shown as
 *
 *     switchyard://<percent-encoded backend name>/<percent-encoded original URI>
 *
 * e.g. `switchyard://docs/file%3A%2F%2F%2Fnotes.md`. It is a valid absolute URI, names the backend
 * in the authority (backend names are unique; prefixes need not exist), and keeps the original
 * intact after one `decodeURIComponent`. Any URI a backend lists that already starts with
 * `switchyard://` is shown in this form too, so the scheme always means "the gateway's". A URI the
 * backend did not list (one from a template, in a `resources/updated` notification) is shown in
 * this form as well, so that reading it comes back to the backend it came from.
 */
import type { Naming } from './naming.ts';

export const SWITCHYARD_URI_SCHEME = 'switchyard:';
const PREFIX = 'switchyard://';

/** One backend's resource URIs, as it listed them. */
export interface BackendUris {
  backend: string;
  uris: Iterable<string>;
}

/** A resource's owner and the URI its backend knows it by. */
export interface UriOwner {
  backend: string;
  uri: string;
}

/** `switchyard://<backend>/<uri>`. */
export function encodeSwitchyardUri(backend: string, uri: string): string {
  return `${PREFIX}${encodeURIComponent(backend)}/${encodeURIComponent(uri)}`;
}

/** The backend and URI inside a `switchyard://` URI, or `undefined` if it is not one. */
export function decodeSwitchyardUri(frontUri: string): UriOwner | undefined {
  if (!frontUri.startsWith(PREFIX)) return undefined;
  const rest = frontUri.slice(PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  try {
    const backend = decodeURIComponent(rest.slice(0, slash));
    const uri = decodeURIComponent(rest.slice(slash + 1));
    return uri === '' ? undefined : { backend, uri };
  } catch {
    return undefined;
  }
}

export class ResourceTable {
  private constructor(
    private readonly naming: Naming,
    /** URI → its only owner. */
    private readonly unique: ReadonlyMap<string, string>,
    /** URIs listed by more than one backend (or in the gateway's own scheme). */
    private readonly shared: ReadonlySet<string>,
  ) {}

  static build(naming: Naming, lists: Iterable<BackendUris>): ResourceTable {
    const unique = new Map<string, string>();
    const shared = new Set<string>();
    for (const { backend, uris } of lists) {
      naming.backend(backend);
      for (const uri of uris) {
        if (shared.has(uri)) continue;
        const owner = unique.get(uri);
        if (uri.startsWith(PREFIX) || (owner !== undefined && owner !== backend)) {
          unique.delete(uri);
          shared.add(uri);
        } else unique.set(uri, backend);
      }
    }
    return new ResourceTable(naming, unique, shared);
  }

  /**
   * The URI a client sees for the backend's `uri` (in lists, notifications and results): the URI
   * itself when this backend alone listed it, else the gateway form — so whatever a client is
   * shown, reading it comes back to the same backend.
   */
  frontUri(backend: string, uri: string): string {
    return this.unique.get(uri) === backend ? uri : encodeSwitchyardUri(backend, uri);
  }

  /** Where a client's URI goes: the gateway form names its backend; a plain one must be listed once. */
  resolve(frontUri: string): UriOwner | undefined {
    const explicit = decodeSwitchyardUri(frontUri);
    if (explicit) return this.naming.has(explicit.backend) ? explicit : undefined;
    const backend = this.unique.get(frontUri);
    return backend === undefined ? undefined : { backend, uri: frontUri };
  }

  /** Whether more than one backend lists `uri` (so its plain form routes nowhere). */
  isShared(uri: string): boolean {
    return this.shared.has(uri);
  }
}
