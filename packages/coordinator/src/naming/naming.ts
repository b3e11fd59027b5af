/**
 * How each backend's names are shown to clients: `<prefix><separator><name>`, the prefix being the
 * backend's name unless configured otherwise, the separator `__` unless configured otherwise. A
 * backend with `prefix: false` shows its names as they are — which is only safe while no other
 * backend lists the same name; the name tables (`NameTable`, `ResourceTable`) check that.
 *
 * The configuration is validated with zod; a mistake raises `InvalidConfigError` saying where.
 */
import { z } from 'zod';
import { InvalidConfigError, UnknownBackendError } from '../errors.ts';
import { describeIssues, readableIssues } from '../issues.ts';
import { ALLOW_ALL, NameFilter, type NameFilterConfig } from './filter.ts';

export const DEFAULT_SEPARATOR = '__';

export interface BackendNamingConfig {
  /** The backend's name (its `mcpServers` key). */
  name: string;
  /** The prefix of its tool, prompt and template names; default its name; `false` for none. */
  prefix?: string | false;
  /** Which of its tools to show (by the names it lists them under). */
  tools?: NameFilterConfig;
  /**
   * Who shares a worker of this backend: `shared` (everyone, the default), `per-principal` (the
   * sessions of one principal), `per-session` (one session). Lists, caches and name tables of the
   * last two are kept per worker, and their messages reach only the sessions the worker serves.
   */
  isolation?: Isolation;
}

/** Who shares one worker of a backend. */
export type Isolation = 'shared' | 'per-principal' | 'per-session';

export interface NamingOptions {
  /** Between prefix and name. Default `__`. */
  separator?: string;
  /** Every backend, in the order their entries appear in merged lists. */
  backends: readonly BackendNamingConfig[];
}

const patterns = z.array(z.string().min(1, 'a pattern cannot be empty')).readonly();

const NamingOptionsSchema = z
  .strictObject({
    separator: z.string().min(1, 'the separator cannot be empty').optional(),
    backends: z
      .array(
        z.strictObject({
          name: z.string().min(1, 'a backend name cannot be empty'),
          prefix: z
            .union([z.string().min(1, 'a prefix cannot be empty; use false for none'), z.literal(false)])
            .optional(),
          tools: z.strictObject({ allow: patterns.optional(), deny: patterns.optional() }).optional(),
          isolation: z.enum(['shared', 'per-principal', 'per-session']).optional(),
        }),
      )
      .readonly(),
  })
  .superRefine((options, ctx) => {
    const seen = new Set<string>();
    options.backends.forEach((b, i) => {
      if (seen.has(b.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['backends', i, 'name'],
          message: `backend ${JSON.stringify(b.name)} appears twice`,
        });
      }
      seen.add(b.name);
    });
  });

/** One backend as naming sees it. */
export interface BackendNaming {
  readonly name: string;
  /** Its position in the configuration (the order of merged lists). */
  readonly index: number;
  readonly prefix: string | false;
  readonly toolFilter: NameFilter;
  readonly isolation: Isolation;
}

export class Naming {
  readonly separator: string;
  private readonly byName = new Map<string, BackendNaming>();
  /** Each backend's name and what its front names start with (`false`: shown without a prefix). */
  private readonly heads: { readonly name: string; readonly head: string | false }[] = [];

  constructor(options: NamingOptions) {
    const checked = NamingOptionsSchema.safeParse(options);
    if (!checked.success) {
      throw new InvalidConfigError('naming options', [describeIssues(readableIssues(checked.error))]);
    }
    this.separator = options.separator ?? DEFAULT_SEPARATOR;
    options.backends.forEach((b, index) => {
      this.byName.set(b.name, {
        name: b.name,
        index,
        prefix: b.prefix === undefined ? b.name : b.prefix,
        toolFilter: b.tools ? new NameFilter(b.tools) : ALLOW_ALL,
        isolation: b.isolation ?? 'shared',
      });
    });
    for (const b of this.byName.values()) {
      this.heads.push({ name: b.name, head: b.prefix === false ? false : `${b.prefix}${this.separator}` });
    }
  }

  /** The backends, in configuration order. */
  get backends(): BackendNaming[] {
    return [...this.byName.values()];
  }

  /** One backend; throws `UnknownBackendError` for a name the configuration does not hold. */
  backend(name: string): BackendNaming {
    const b = this.byName.get(name);
    if (!b) throw new UnknownBackendError(name);
    return b;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /**
   * The backends that can own the client's name `frontName`, in configuration order: those whose
   * prefix it starts with (and the separator), and those shown without a prefix. Routing a call
   * asks only these, so a slow backend does not hold up calls to the others.
   */
  candidates(frontName: string): string[] {
    const out: string[] = [];
    for (const { name, head } of this.heads) {
      if (head === false || frontName.startsWith(head)) out.push(name);
    }
    return out;
  }

  /** `items` sorted by their backend's place in the configuration (stable within a backend). */
  inConfigOrder<T extends { backend: string }>(items: readonly T[]): T[] {
    return [...items].sort((a, b) => this.backend(a.backend).index - this.backend(b.backend).index);
  }

  /** The name a client sees for the backend's `name`. */
  frontName(backend: string, name: string): string {
    const { prefix } = this.backend(backend);
    return prefix === false ? name : `${prefix}${this.separator}${name}`;
  }
}
