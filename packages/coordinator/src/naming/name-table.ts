/**
 * The front names of one kind (tools, prompts or resource templates) across all backends, and the
 * way back from a front name to the backend and the name it listed. Built from the backends'
 * lists; two owners of one front name raise `NameCollisionError` naming both. The reverse lookup is
 * a table rather than a split at the separator, because prefixes and names may themselves hold
 * the separator (`a` + `b__c` and `a__b` + `c` are both `a__b__c`) and unprefixed names have none.
 */
import { NameCollisionError, type NameKind, type NameOwner } from '../errors.ts';
import type { Naming } from './naming.ts';

/** One backend's names, as it listed them. */
export interface BackendNames {
  backend: string;
  names: Iterable<string>;
}

export class NameTable {
  private constructor(
    readonly kind: NameKind,
    private readonly owners: ReadonlyMap<string, NameOwner>,
  ) {}

  /** Builds the table; throws `NameCollisionError` at the first front name with two owners. */
  static build(naming: Naming, kind: NameKind, lists: Iterable<BackendNames>): NameTable {
    const owners = new Map<string, NameOwner>();
    for (const { backend, names } of lists) {
      for (const name of names) {
        const front = naming.frontName(backend, name);
        const first = owners.get(front);
        if (first) throw new NameCollisionError(kind, front, first, { backend, name });
        owners.set(front, { backend, name });
      }
    }
    return new NameTable(kind, owners);
  }

  /** The backend and original name behind a front name, if any backend lists it. */
  resolve(frontName: string): NameOwner | undefined {
    return this.owners.get(frontName);
  }

  get size(): number {
    return this.owners.size;
  }

  /** Every front name with its owner. */
  entries(): IterableIterator<[string, NameOwner]> {
    return this.owners.entries();
  }
}
