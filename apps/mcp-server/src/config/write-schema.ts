/**
 * `bun run schema`: writes `schema/switchyard.schema.json` and the key table of `README.md` from
 * the zod schema. A test fails when either is out of date.
 */
import { configJsonSchema } from './json-schema.ts';
import { keyTable, withKeyTable } from './reference.ts';

const root = new URL('../../', import.meta.url);
const schema = configJsonSchema();
await Bun.write(new URL('schema/switchyard.schema.json', root), `${JSON.stringify(schema, null, 2)}\n`);
const readme = new URL('README.md', root);
await Bun.write(readme, withKeyTable(await Bun.file(readme).text(), keyTable(schema)));
// In the repository's own JSON style, so `biome check` at the root passes.
Bun.spawnSync(['bunx', 'biome', 'format', '--write', 'schema/switchyard.schema.json'], {
  cwd: root.pathname,
  stdout: 'ignore',
  stderr: 'inherit',
});
console.log('wrote schema/switchyard.schema.json and the key table of README.md');
