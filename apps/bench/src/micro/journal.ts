/**
 * journal: what group commit and zstd buy the Switchyard journal.
 *
 * Writes: records/s appended to a SQLite file with SQLite's default PRAGMAs and one transaction per
 * record (the baseline), with the journal's tuned PRAGMAs and one transaction per record, with the
 * journal flushing after every record, and with the journal's group commit (target ≥ 100× the
 * baseline).
 *
 * Compression: ratio and MB/s of zstd at several levels against gzip level 6 (`Bun.gzipSync`), per
 * record and packed into 256 KiB blocks, on a generated corpus of JSON-RPC tool-call transcripts
 * (requests, progress notifications, results: issue lists, source files, prose, query rows; 200 B
 * – 20 KB, log-uniform). Target: the journal's choice (zstd-3, block-packed) stores ≥ 1.3× fewer
 * bytes than gzip-6 per record, compressing faster. Then the corpus goes through the journal
 * itself, and the file size is what counts.
 *
 * Files live in a temporary directory, removed after.
 */
import { Database } from 'bun:sqlite';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '@switchyard/flow-balancer';
import { createJournal, type SqliteDriverOptions, sqliteDriver } from '@switchyard/journal';
import type { BenchSuite, Figure, SuiteContext } from '../harness.ts';

const BLOCK_BYTES = 256 * 1024;
const ZSTD_LEVELS = [1, 3, 6, 9];
const CHOSEN_LEVEL = 3;

interface Sizes {
  perTxDefault: number;
  perTxTuned: number;
  journalFlushEach: number;
  groupCommit: number;
  corpus: number;
  repeats: number;
}

function sizes(ctx: SuiteContext): Sizes {
  if (ctx.dry) {
    return {
      perTxDefault: 10,
      perTxTuned: 20,
      journalFlushEach: 20,
      groupCommit: 200,
      corpus: 60,
      repeats: 1,
    };
  }
  if (ctx.quick) {
    return {
      perTxDefault: 150,
      perTxTuned: 1500,
      journalFlushEach: 600,
      groupCommit: 20_000,
      corpus: 1500,
      repeats: 2,
    };
  }
  return {
    perTxDefault: 400,
    perTxTuned: 4000,
    journalFlushEach: 1500,
    groupCommit: 60_000,
    corpus: 4000,
    repeats: 3,
  };
}

export default {
  name: 'journal',
  description: 'SQLite group commit and zstd payload compression vs one transaction per record and gzip-6',
  async run(ctx) {
    const n = sizes(ctx);
    const corpus = generateCorpus(n.corpus, 7);
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-journal-'));
    try {
      const figures = await writeFigures(ctx, n, corpus, dir);
      figures.push(...compressionFigures(ctx, n, corpus));
      figures.push(...(await storedFigures(ctx, corpus, dir)));
      return figures;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
} satisfies BenchSuite;

// Writes.

/** Small stream events: progress notifications of about 170 bytes. */
function progressEvents(count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: {
        progressToken: `tok-${i % 50}`,
        progress: i % 100,
        total: 100,
        message: `Indexed ${(i * 37) % 9000} of 9000 files in src/${i % 13}/module-${i % 97}.ts`,
      },
    }),
  );
}

async function writeFigures(ctx: SuiteContext, n: Sizes, corpus: string[], dir: string): Promise<Figure[]> {
  const figures: Figure[] = [];
  const sets = [
    ['progress events ~170 B', progressEvents(1000)],
    ['tool-call transcript mix', corpus],
  ] as const;
  for (const [label, records] of sets) {
    const bytes = records.reduce((sum, m) => sum + Buffer.byteLength(m), 0) / records.length;
    ctx.log(`writes of ${label} (mean ${Math.round(bytes)} B):`);
    figures.push(...(await writeSet(ctx, n, records, label, join(dir, label.split(' ')[0]!))));
  }
  return figures;
}

async function writeSet(
  ctx: SuiteContext,
  n: Sizes,
  records: readonly string[],
  label: string,
  prefix: string,
): Promise<Figure[]> {
  const message = (i: number) => records[i % records.length]!;
  const baseline = `SQLite defaults, 1 tx/record, ${label}`;

  /** One autocommit transaction per record; the overall rate and the spread of four quarters' rates. */
  const perTx = (file: string, count: number, pragmas: string[]): Rate => {
    const db = new Database(`${prefix}-${file}`);
    try {
      for (const p of pragmas) db.run(p);
      db.run(
        'CREATE TABLE events (stream TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (stream, seq))',
      );
      const insert = db.prepare('INSERT INTO events (stream, seq, data) VALUES (?, ?, ?)');
      const quarter = Math.max(1, Math.floor(count / 4));
      const quarters: number[] = [];
      const t0 = performance.now();
      for (let q = 0; q < 4; q++) {
        const tq = performance.now();
        for (let i = q * quarter; i < (q + 1) * quarter; i++) insert.run('s', i + 1, message(i));
        quarters.push(quarter / ((performance.now() - tq) / 1000));
      }
      const rate = (4 * quarter) / ((performance.now() - t0) / 1000);
      insert.finalize();
      quarters.sort((a, b) => a - b);
      return { rate, spread: (quarters[3]! - quarters[0]!) / ((quarters[1]! + quarters[2]!) / 2) };
    } finally {
      db.close(true);
    }
  };

  const journalRate = async (
    file: string,
    count: number,
    flushEach: boolean,
    options: Partial<SqliteDriverOptions> = {},
  ): Promise<Rate> => {
    const journal = await createJournal({ driver: sqliteDriver({ path: `${prefix}-${file}`, ...options }) });
    try {
      const t0 = performance.now();
      for (let i = 0; i < count; i++) {
        await journal.append(`stream-${i % 16}`, message(i));
        if (flushEach) await journal.flush();
      }
      await journal.flush();
      return { rate: count / ((performance.now() - t0) / 1000) };
    } finally {
      await journal.close();
    }
  };

  const measured: Array<[string, Rate]> = [];
  const step = (name: string, value: Rate) => {
    const spread = value.spread === undefined ? '' : ` (quarters spread ${(value.spread * 100).toFixed(0)}%)`;
    ctx.log(`  ${name}: ${Math.round(value.rate)} records/s${spread}`);
    measured.push([name, value]);
    return value.rate;
  };
  const defaults = step(`append: ${baseline}`, perTx('defaults.db', n.perTxDefault, []));
  step(
    `append: tuned PRAGMAs (WAL, NORMAL), 1 tx/record, ${label}`,
    perTx('tuned.db', n.perTxTuned, [
      'PRAGMA journal_mode = WAL',
      'PRAGMA synchronous = NORMAL',
      'PRAGMA temp_store = MEMORY',
      'PRAGMA cache_size = -16384',
    ]),
  );
  step(
    `append: journal, flush() after every record, ${label}`,
    await journalRate('flush-each.db', n.journalFlushEach, true),
  );
  step(
    `append: journal, group commit (default), ${label}`,
    await journalRate('group.db', n.groupCommit, false),
  );
  step(
    `append: journal, group commit, synchronous=FULL, ${label}`,
    await journalRate('group-full.db', n.groupCommit, false, { synchronous: 'FULL' }),
  );
  step(
    `append: journal, group commit, compression off, ${label}`,
    await journalRate('group-raw.db', n.groupCommit, false, { compression: false }),
  );
  return measured.map(([name, { rate, spread }], i) => ({
    name,
    value: rate,
    unit: 'records/s',
    ...(i === 0 ? {} : { baseline, ratio: rate / defaults }),
    ...(spread === undefined ? {} : { spread }),
  }));
}

interface Rate {
  rate: number;
  /** (fastest − slowest) ÷ median of the quarters' rates, where measured. */
  spread?: number;
}

// Compression.

interface Measured {
  bytes: number;
  mbPerSec: number;
  spread: number;
}

function compressionFigures(ctx: SuiteContext, n: Sizes, corpus: string[]): Figure[] {
  const encoder = new TextEncoder();
  const records = corpus.map((m) => encoder.encode(m));
  const small = records.filter((r) => r.length <= 4096);
  const figures: Figure[] = [];
  for (const [label, set] of [
    ['all messages', records],
    ['messages ≤ 4 KiB', small],
  ] as const) {
    const raw = set.reduce((sum, r) => sum + r.length, 0);
    const blocks = packBlocks(set, BLOCK_BYTES);
    const gzipBase = measure(set, raw, n.repeats, (b) => Bun.gzipSync(b, { level: 6 }));
    const base = `gzip-6 per record, ${label}`;
    ctx.log(
      `${label}: ${set.length} messages, ${(raw / 1e6).toFixed(2)} MB; gzip-6 per record ${(raw / gzipBase.bytes).toFixed(2)}×`,
    );
    const add = (name: string, m: Measured) => {
      figures.push(
        {
          name: `${name}: compression ratio`,
          value: raw / m.bytes,
          unit: '×',
          baseline: base,
          ratio: gzipBase.bytes / m.bytes,
        },
        {
          name: `${name}: speed`,
          value: m.mbPerSec,
          unit: 'MB/s',
          baseline: base,
          ratio: m.mbPerSec / gzipBase.mbPerSec,
          spread: m.spread,
        },
      );
    };
    figures.push(
      { name: `${base}: compression ratio`, value: raw / gzipBase.bytes, unit: '×' },
      { name: `${base}: speed`, value: gzipBase.mbPerSec, unit: 'MB/s', spread: gzipBase.spread },
    );
    add(
      `gzip-6 in 256 KiB blocks, ${label}`,
      measure(blocks, raw, n.repeats, (b) => Bun.gzipSync(b, { level: 6 })),
    );
    for (const level of ZSTD_LEVELS) {
      const chosen = level === CHOSEN_LEVEL ? ' (chosen)' : '';
      add(
        `zstd-${level} per record, ${label}`,
        measure(set, raw, n.repeats, (b) => Bun.zstdCompressSync(b, { level })),
      );
      add(
        `zstd-${level} in 256 KiB blocks${chosen}, ${label}`,
        measure(blocks, raw, n.repeats, (b) => Bun.zstdCompressSync(b, { level })),
      );
    }
    const chosenBlocks = blocks.map((b) => Bun.zstdCompressSync(b, { level: CHOSEN_LEVEL }));
    const t0 = performance.now();
    let out = 0;
    for (const b of chosenBlocks) out += Bun.zstdDecompressSync(b).length;
    figures.push({
      name: `zstd-${CHOSEN_LEVEL} block decompression, ${label}`,
      value: out / 1e6 / ((performance.now() - t0) / 1000),
      unit: 'MB/s',
    });
  }
  return figures;
}

/** Compresses every unit `repeats` times; bytes out and the median MB/s of raw input. */
function measure(
  units: Uint8Array<ArrayBuffer>[],
  raw: number,
  repeats: number,
  compress: (b: Uint8Array<ArrayBuffer>) => Uint8Array,
): Measured {
  const rates: number[] = [];
  let bytes = 0;
  for (let r = 0; r < repeats; r++) {
    bytes = 0;
    const t0 = performance.now();
    for (const u of units) bytes += compress(u).length;
    rates.push(raw / 1e6 / ((performance.now() - t0) / 1000));
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)]!;
  return { bytes, mbPerSec: median, spread: (rates.at(-1)! - rates[0]!) / median };
}

function packBlocks(records: Uint8Array<ArrayBuffer>[], target: number): Uint8Array<ArrayBuffer>[] {
  const blocks: Uint8Array<ArrayBuffer>[] = [];
  let parts: Uint8Array[] = [];
  let size = 0;
  const close = () => {
    const block = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      block.set(p, at);
      at += p.length;
    }
    blocks.push(block);
    parts = [];
    size = 0;
  };
  for (const r of records) {
    parts.push(r);
    size += r.length;
    if (size >= target) close();
  }
  if (parts.length > 0) close();
  return blocks;
}

// The corpus through the journal: what the file ends up holding.

async function storedFigures(ctx: SuiteContext, corpus: string[], dir: string): Promise<Figure[]> {
  const raw = corpus.reduce((sum, m) => sum + Buffer.byteLength(m), 0);
  const journalFile = async (file: string, compression: SqliteDriverOptions['compression']) => {
    const path = join(dir, file);
    const journal = await createJournal({ driver: sqliteDriver({ path, compression }) });
    for (let i = 0; i < corpus.length; i++) {
      await journal.append(`stream-${i % 16}`, corpus[i]!);
      if (i % 50 === 49) await journal.flush();
    }
    await journal.close();
    return statSync(path).size;
  };
  // The same rows as the journal's (stream, seq, time, body; a time index), each body gzip-6'd on its own.
  const gzipFile = () => {
    const path = join(dir, 'stored-gzip.db');
    const db = new Database(path);
    try {
      db.run('PRAGMA journal_mode = WAL');
      db.run(`CREATE TABLE events (id INTEGER PRIMARY KEY, stream TEXT NOT NULL, seq INTEGER NOT NULL,
        time INTEGER NOT NULL, data BLOB NOT NULL, UNIQUE (stream, seq))`);
      db.run('CREATE INDEX events_time ON events (time)');
      const insert = db.prepare('INSERT INTO events (stream, seq, time, data) VALUES (?, ?, ?, ?)');
      db.transaction(() => {
        corpus.forEach((m, i) => {
          insert.run(`stream-${i % 16}`, i + 1, Date.now(), Bun.gzipSync(m, { level: 6 }));
        });
      })();
      insert.finalize();
    } finally {
      db.close(true);
    }
    return statSync(path).size;
  };
  const zstd = await journalFile('stored-zstd.db', undefined);
  const plain = await journalFile('stored-plain.db', false);
  const gzip = gzipFile();
  ctx.log(
    `files holding ${(raw / 1e6).toFixed(2)} MB of messages: journal ${(zstd / 1e6).toFixed(2)} MB (zstd), ${(plain / 1e6).toFixed(2)} MB (compression off); SQLite table of gzip-6 records ${(gzip / 1e6).toFixed(2)} MB`,
  );
  const base = 'SQLite table of gzip-6 records';
  return [
    { name: `file: ${base}, message bytes per file byte`, value: raw / gzip, unit: '×' },
    {
      name: 'file: journal, compression off, message bytes per file byte',
      value: raw / plain,
      unit: '×',
      baseline: base,
      ratio: gzip / plain,
    },
    {
      name: 'file: journal, zstd-3 blocks (default), message bytes per file byte',
      value: raw / zstd,
      unit: '×',
      baseline: base,
      ratio: gzip / zstd,
    },
  ];
}

// A corpus of JSON-RPC tool-call transcripts.

const COMMON_WORDS = (
  'the of and to a in is that for it as was with be by on not he this are or his from at which but have an they ' +
  'you were her she there one all we their can has been if more when will would who so no out up into do any ' +
  'then about what some could them time two may only other new these also over our after first well year just ' +
  'like where very most because through people between used those each even many back know much way good before ' +
  'same while how work state world still make here system part own such right take file data request server error ' +
  'value result tool session worker backend stream event response message client query issue update config build test user'
).split(' ');

/**
 * `count` messages of a tool-using agent session: `tools/call` requests, some progress
 * notifications, and results of four kinds. Words follow a Zipf law over common English words and
 * generated names; target sizes are log-uniform in [200 B, 20 KB].
 */
export function generateCorpus(count: number, seed: number): string[] {
  const r = mulberry32(seed);
  const int = (k: number) => Math.floor(r() * k);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const syllables = [
    'ka',
    'lo',
    'ren',
    'ti',
    'mar',
    'qu',
    'ex',
    'sto',
    'pa',
    'vin',
    'dor',
    'el',
    'ash',
    'ber',
    'cy',
  ];
  const vocabulary = [...COMMON_WORDS];
  for (let i = 0; i < 2000; i++) {
    let w = '';
    for (let j = 0, k = 2 + int(2); j < k; j++) w += pick(syllables);
    vocabulary.push(w);
  }
  const harmonic = vocabulary.reduce((sum, _, i) => sum + 1 / (i + 1), 0);
  const word = () => {
    let u = r() * harmonic;
    for (let i = 0; i < vocabulary.length; i++) {
      u -= 1 / (i + 1);
      if (u <= 0) return vocabulary[i]!;
    }
    return vocabulary[0]!;
  };
  const sentence = (k: number) => {
    const words = Array.from({ length: k }, word).join(' ');
    return `${words[0]!.toUpperCase()}${words.slice(1)}${r() < 0.8 ? '.' : '?'}`;
  };
  const prose = (bytes: number) => {
    let s = '';
    while (s.length < bytes) s += sentence(5 + int(15)) + (r() < 0.2 ? '\n\n' : ' ');
    return s;
  };
  const hex = (k: number) => Array.from({ length: k }, () => int(16).toString(16)).join('');
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${hex(4)}-${hex(12)}`;
  const iso = () => new Date(1_750_000_000_000 + int(1e10)).toISOString();
  const tools = [
    'github__search_issues',
    'github__get_file',
    'fs__read_file',
    'fs__list_dir',
    'db__query',
    'web__fetch',
  ];
  const repos = Array.from({ length: 12 }, () => `${word()}-${word()}/${word()}`);
  const users = Array.from({ length: 30 }, () => `${word()}${int(100)}`);
  const labels = Array.from({ length: 15 }, () => ({
    id: int(1e9),
    name: word(),
    color: hex(6),
    description: sentence(4),
  }));
  const paths = Array.from({ length: 40 }, () => `src/${word()}/${word()}.ts`);
  const source = (bytes: number) => {
    const lines: string[] = [];
    let depth = 0;
    for (let size = 0; size < bytes; ) {
      const pad = '  '.repeat(depth);
      const kind = int(6);
      let line: string;
      if (kind === 0) {
        line = `${pad}export function ${word()}${word()}(${word()}: number, ${word()}: string) {`;
        depth = Math.min(depth + 1, 4);
      } else if (kind === 1 && depth > 0) {
        depth--;
        line = `${'  '.repeat(depth)}}`;
      } else if (kind === 2)
        line = `${pad}const ${word()} = ${int(10000)} * ${word()}.${word()}(${int(100)});`;
      else if (kind === 3) line = `${pad}// ${sentence(6 + int(6))}`;
      else line = `${pad}if (${word()} > ${int(1000)}) return ${word()}[${int(50)}];`;
      lines.push(line);
      size += line.length + 1;
    }
    return lines.join('\n');
  };
  const issue = () => {
    const repo = pick(repos);
    const number = int(5000);
    const login = pick(users);
    return {
      url: `https://api.github.com/repos/${repo}/issues/${number}`,
      html_url: `https://github.com/${repo}/issues/${number}`,
      id: int(3e9),
      node_id: `I_kwDO${hex(12)}`,
      number,
      title: sentence(4 + int(8)),
      user: { login, id: int(1e8), html_url: `https://github.com/${login}`, type: 'User', site_admin: false },
      labels: Array.from({ length: int(3) }, () => ({ ...pick(labels), default: false })),
      state: r() < 0.7 ? 'open' : 'closed',
      comments: int(80),
      created_at: iso(),
      updated_at: iso(),
      body: r() < 0.5 ? null : sentence(10 + int(30)),
    };
  };
  const fill = <T>(bytes: number, make: () => T): T[] => {
    const out: T[] = [];
    for (let size = 0; size < bytes; ) {
      const item = make();
      size += JSON.stringify(item).length;
      out.push(item);
    }
    return out;
  };

  const messages: string[] = [];
  for (let id = 1; messages.length < count; id++) {
    const token = uuid();
    const target = Math.round(200 * 100 ** r());
    messages.push(
      JSON.stringify({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: {
          name: pick(tools),
          arguments: {
            query: sentence(3 + int(8)),
            repo: pick(repos),
            path: pick(paths),
            limit: 1 + int(100),
            since: iso(),
          },
          _meta: { progressToken: token },
        },
      }),
    );
    if (r() < 0.3) {
      messages.push(
        JSON.stringify({
          jsonrpc: '2.0',
          method: 'notifications/progress',
          params: { progressToken: token, progress: int(100), total: 100, message: sentence(4 + int(6)) },
        }),
      );
    }
    let result: unknown;
    switch (int(4)) {
      case 0: {
        const items = fill(target, issue);
        result = {
          content: [{ type: 'text', text: `Found ${items.length} issues.` }],
          structuredContent: { items },
        };
        break;
      }
      case 1:
        result = { content: [{ type: 'text', text: source(target) }] };
        break;
      case 2:
        result = { content: [{ type: 'text', text: prose(target) }] };
        break;
      default: {
        const rows = fill(target, () => [int(1e6), word(), Math.round(r() * 1e5) / 100, iso(), r() < 0.5]);
        result = {
          content: [
            { type: 'text', text: JSON.stringify({ columns: ['id', 'name', 'amount', 'at', 'ok'], rows }) },
          ],
        };
      }
    }
    messages.push(JSON.stringify({ jsonrpc: '2.0', id, result }));
  }
  return messages.slice(0, count);
}
