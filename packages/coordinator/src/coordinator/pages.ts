/**
 * Pagination of the merged lists (`tools/list`, `prompts/list`, `resources/list`,
 * `resources/templates/list`). `one`: the whole list in one page, and a cursor is refused.
 * `per-backend`: one page per backend, in configuration order, each but the last with an opaque,
 * checksummed cursor to the next (`CursorCodec`). A cursor the gateway did not issue, or issued
 * for another list, throws `InvalidCursorError`: the caller answers it with -32602.
 */
import { CursorCodec, nextCursorPosition } from '../cursor.ts';
import { invalidParams, resultResponse } from '../jsonrpc/responses.ts';
import type { JsonObject, JsonRpcRequest, JsonRpcResponse } from '../jsonrpc/types.ts';
import type { Naming } from '../naming/naming.ts';
import type { BackendFleet, ListSpec, Merged, Requester } from './backend-fleet.ts';

export interface ListPagesOptions {
  /** `one` (default) or `per-backend`. */
  pagination?: 'one' | 'per-backend';
  /** Key of the cursors' checksum. */
  cursorKey?: string;
}

export class ListPages {
  private readonly cursors: CursorCodec;

  /** `naming`: the backends in force (they change on a configuration reload, and cursors with them). */
  constructor(
    private readonly fleet: BackendFleet,
    private readonly naming: () => Naming,
    private readonly options: ListPagesOptions,
  ) {
    this.cursors = new CursorCodec(options.cursorKey === undefined ? {} : { key: options.cursorKey });
  }

  /**
   * The page of `spec`'s list that `request` (and its `cursor`, if any) asks for. `view`: what of
   * a merged list this caller is shown (the access policy's); the merged list itself is shared.
   */
  async page(
    session: Requester,
    request: JsonRpcRequest,
    spec: ListSpec,
    view: (merged: Merged) => JsonObject = (merged) => merged.result,
  ): Promise<JsonRpcResponse> {
    const cursor = request.params?.cursor;
    if (cursor !== undefined && typeof cursor !== 'string') {
      return invalidParams(request.id, 'cursor must be a string');
    }
    const names = this.naming().backends.map((b) => b.name);
    const position = cursor === undefined ? undefined : this.cursors.decode(cursor, request.method, names);
    if (this.options.pagination !== 'per-backend') {
      if (position) return invalidParams(request.id, 'this list has one page; list again without a cursor');
      const merged = await this.fleet.merged(session, spec, names);
      return resultResponse(request.id, view(merged));
    }
    const index = position?.backendIndex ?? 0;
    const merged = await this.fleet.merged(session, spec, [names[index]!]);
    const next = nextCursorPosition({ list: request.method, backendIndex: index }, names, undefined);
    const result: JsonObject = { ...view(merged) };
    if (next) result.nextCursor = this.cursors.encode(next);
    return resultResponse(request.id, result);
  }
}
