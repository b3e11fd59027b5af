/**
 * The JSON Schema of the configuration file, made from the zod schema (`z.toJSONSchema`) so the
 * two cannot disagree. It describes what a person writes (zod's input side: defaults optional,
 * digit strings — or one `${VAR}` reference — taken for integers). The rule that an entry has exactly one of `command`, `url`
 * and `module` lives outside zod (`entry-rules.ts`) and is added here as a `oneOf`.
 *
 * `bun run schema` writes it to `schema/switchyard.schema.json`.
 */
import { z } from 'zod';
import { ConfigFileSchema, ServerEntrySchema } from './schema.ts';

/** Integers may be written as digit strings, so the file may hold `"${PORT:-8080}"` before expansion. */
export const INTEGER_STRING_PATTERN = '^([0-9]+|\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[0-9]*)?\\})$';

export const SCHEMA_ID = 'https://switchyard.dev/schema/switchyard.schema.json';

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ConfigFileSchema, {
    io: 'input',
    target: 'draft-2020-12',
    override: (ctx) => {
      // zod leaves out the default of a field whose type transforms (the integers); put it back.
      const def = ctx.zodSchema._zod.def;
      if (def.type === 'default' && ctx.jsonSchema.default === undefined) {
        ctx.jsonSchema.default = (def as z.core.$ZodDefaultDef).defaultValue;
      }
      if (ctx.jsonSchema.type === 'string' && ctx.jsonSchema.pattern === '^[0-9]+$') {
        ctx.jsonSchema.pattern = INTEGER_STRING_PATTERN;
      }
      if (ctx.zodSchema === ServerEntrySchema) {
        ctx.jsonSchema.oneOf = [{ required: ['command'] }, { required: ['url'] }, { required: ['module'] }];
      }
    },
  });
  return { $schema: schema.$schema, $id: SCHEMA_ID, title: 'Switchyard configuration', ...schema };
}
