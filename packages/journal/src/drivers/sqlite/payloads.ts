/**
 * Payload rows: how message bodies are written, packed into compressed blocks, and read back.
 *
 * Per commit: a payload of `frameBytes` or more gets its own zstd frame (codec `Zstd`). The small
 * ones are packed: once the staged payloads plus this batch's small ones reach `blockBytes`, all
 * of them go into zstd blocks in this transaction (codec `ZstdBlock`, nothing written twice);
 * below that, this batch's small payloads are staged as they are (codec `Staged`, bytes in the
 * `staged` table) until a later commit fills a block. Packing across commits keeps the ratio when
 * traffic is light and each commit holds one or two messages; packing within the batch keeps
 * heavy traffic from writing every byte twice. Every step runs inside the caller's transaction.
 */
import type { Database, Statement } from 'bun:sqlite';
import { BlockCache, BlockCodec, Codec, type CompressionOptions, concatBytes } from '../../codec/codec.ts';
import { zstdCompress, zstdDecompress } from '../../codec/zstd.ts';

/** The payload columns a read selects (`PAYLOAD_COLUMNS`). */
export interface PayloadColumns {
  codec: number;
  size: number;
  data: Uint8Array | null;
  block_id: number | null;
  block_offset: number | null;
}

/** The select list and join that read a payload row aliased `alias` (`p_codec`, `p_size`, …). */
export function payloadSelect(alias: string, prefix: string): { columns: string; join: string } {
  const staged = `${alias}_staged`;
  return {
    columns: [
      `${alias}.codec AS ${prefix}codec`,
      `${alias}.size AS ${prefix}size`,
      `coalesce(${alias}.data, ${staged}.data) AS ${prefix}data`,
      `${alias}.block_id AS ${prefix}block_id`,
      `${alias}.block_offset AS ${prefix}block_offset`,
    ].join(', '),
    join: `LEFT JOIN staged ${staged} ON ${staged}.payload_id = ${alias}.id`,
  };
}

interface Member {
  /** Set for a staged payload that already has its row; unset for one of this batch. */
  id?: number;
  data: Uint8Array;
}

const decoder = new TextDecoder();

export class PayloadStore {
  readonly #insert: Statement;
  readonly #insertStaged: Statement;
  readonly #staged: Statement<{ payload_id: number; data: Uint8Array }, []>;
  readonly #stagedBytes: Statement<{ bytes: number }, []>;
  readonly #clearStaged: Statement;
  readonly #insertBlock: Statement;
  readonly #moveIntoBlock: Statement;
  readonly #makePlain: Statement;
  readonly #block: Statement<{ codec: number; data: Uint8Array }, [number]>;
  readonly #cache = new BlockCache(8);
  /** Bytes of staged payloads, i.e. how full the next block is. */
  #stagedTotal = 0;

  constructor(
    db: Database,
    private readonly compression: CompressionOptions | false,
  ) {
    this.#insert = db.prepare(
      'INSERT INTO payloads (codec, size, data, block_id, block_offset) VALUES (?, ?, ?, ?, ?)',
    );
    this.#insertStaged = db.prepare('INSERT INTO staged (payload_id, data) VALUES (?, ?)');
    this.#staged = db.prepare('SELECT payload_id, data FROM staged ORDER BY payload_id');
    this.#stagedBytes = db.prepare('SELECT coalesce(sum(length(data)), 0) AS bytes FROM staged');
    this.#clearStaged = db.prepare('DELETE FROM staged');
    this.#insertBlock = db.prepare('INSERT INTO blocks (codec, raw_size, refs, data) VALUES (?, ?, ?, ?)');
    this.#moveIntoBlock = db.prepare(
      'UPDATE payloads SET codec = 2, block_id = ?, block_offset = ? WHERE id = ?',
    );
    this.#makePlain = db.prepare('UPDATE payloads SET codec = 3, data = ? WHERE id = ?');
    this.#block = db.prepare('SELECT codec, data FROM blocks WHERE id = ?');
    this.resync();
  }

  /** Recounts the staged bytes from the file (at open, and after a rolled-back commit). */
  resync(): void {
    this.#stagedTotal = this.#stagedBytes.get()?.bytes ?? 0;
  }

  /** Writes one batch's payloads; their row ids in the same order (`null` for `null`). */
  writeAll(payloads: Array<Uint8Array | null>): Array<number | null> {
    const ids: Array<number | null> = new Array(payloads.length).fill(null);
    const c = this.compression;
    const small: number[] = [];
    let smallTotal = 0;
    payloads.forEach((bytes, i) => {
      if (bytes === null) return;
      if (c && bytes.length < c.frameBytes) {
        small.push(i);
        smallTotal += bytes.length;
      } else {
        ids[i] = this.#writeAlone(bytes);
      }
    });
    if (small.length === 0 || !c) return ids;
    if (this.#stagedTotal + smallTotal < c.blockBytes) {
      for (const i of small) {
        const bytes = payloads[i]!;
        const id = this.#row(Codec.Staged, bytes.length, null, null, null);
        this.#insertStaged.run(id, bytes);
        ids[i] = id;
      }
      this.#stagedTotal += smallTotal;
      return ids;
    }
    // A block's worth: pack the staged payloads and this batch's small ones together.
    const written = this.#packStagedWith(
      small.map((i) => payloads[i]!),
      smallTotal,
      c,
    );
    small.forEach((i, k) => {
      ids[i] = written[k]!;
    });
    return ids;
  }

  /** Packs whatever is staged, however little (on close: a closed file holds nothing uncompressed). */
  packStaged(): void {
    if (this.compression && this.#stagedTotal > 0) this.#packStagedWith([], 0, this.compression);
  }

  /** Packs the staged payloads and `extra` into blocks; the row ids of `extra`. */
  #packStagedWith(extra: Uint8Array[], extraBytes: number, c: CompressionOptions): number[] {
    const members: Member[] = [];
    for (const row of this.#staged.iterate()) members.push({ id: row.payload_id, data: row.data });
    const staged = members.length;
    for (const data of extra) members.push({ data });
    const ids = this.#pack(members, this.#stagedTotal + extraBytes, c);
    if (staged > 0) this.#clearStaged.run();
    this.#stagedTotal = 0;
    return ids.slice(staged);
  }

  /** Packs `members` into blocks of about `blockBytes` each (at least one); the row id of each. */
  #pack(members: Member[], total: number, c: CompressionOptions): number[] {
    const ids: number[] = [];
    const blocks = Math.max(1, Math.floor(total / c.blockBytes));
    const target = total / blocks;
    let start = 0;
    for (let b = 0; b < blocks; b++) {
      let end = start;
      let size = 0;
      while (end < members.length && (b === blocks - 1 || size < target)) size += members[end++]!.data.length;
      ids.push(...this.#packOne(members.slice(start, end), size, c));
      start = end;
    }
    return ids;
  }

  #packOne(members: Member[], size: number, c: CompressionOptions): number[] {
    const raw = concatBytes(
      members.map((m) => m.data),
      size,
    );
    const frame = zstdCompress(raw, c.level);
    if (frame.length >= size) {
      // Did not shrink: keep each as it is.
      return members.map((m) => {
        if (m.id === undefined) return this.#row(Codec.Plain, m.data.length, m.data, null, null);
        this.#makePlain.run(m.data, m.id);
        return m.id;
      });
    }
    const blockId = Number(
      this.#insertBlock.run(BlockCodec.Zstd, size, members.length, frame).lastInsertRowid,
    );
    let offset = 0;
    return members.map((m) => {
      const at = offset;
      offset += m.data.length;
      if (m.id === undefined) return this.#row(Codec.ZstdBlock, m.data.length, null, blockId, at);
      this.#moveIntoBlock.run(blockId, at, m.id);
      return m.id;
    });
  }

  #writeAlone(bytes: Uint8Array): number {
    const c = this.compression;
    if (c) {
      const frame = zstdCompress(bytes, c.level);
      if (frame.length < bytes.length) return this.#row(Codec.Zstd, bytes.length, frame, null, null);
    }
    return this.#row(Codec.Plain, bytes.length, bytes, null, null);
  }

  #row(
    codec: Codec,
    size: number,
    data: Uint8Array | null,
    blockId: number | null,
    offset: number | null,
  ): number {
    return Number(this.#insert.run(codec, size, data, blockId, offset).lastInsertRowid);
  }

  /** The payload's bytes, whatever its codec. */
  read(row: PayloadColumns): Uint8Array {
    switch (row.codec) {
      case Codec.Staged:
      case Codec.Plain:
        return row.data ?? new Uint8Array(0);
      case Codec.Zstd:
        return zstdDecompress(row.data!);
      case Codec.ZstdBlock: {
        const block = this.#cache.get(row.block_id!, () => this.#loadBlock(row.block_id!));
        return block.subarray(row.block_offset!, row.block_offset! + row.size);
      }
      default:
        throw new Error(
          `payload stored with unknown codec ${row.codec}: written by a newer @switchyard/journal?`,
        );
    }
  }

  readText(row: PayloadColumns): string {
    return decoder.decode(this.read(row));
  }

  #loadBlock(id: number): Uint8Array {
    const block = this.#block.get(id);
    if (!block) throw new Error(`payload points into block ${id}, which is missing`);
    if (block.codec !== BlockCodec.Zstd) throw new Error(`block ${id} has unknown codec ${block.codec}`);
    return zstdDecompress(block.data);
  }
}
