import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../src/config/defaults.ts';
import { configJsonSchema } from '../src/config/json-schema.ts';
import { parseJsonc } from '../src/config/jsonc.ts';
import { loadConfigFile } from '../src/config/load.ts';
import { keyTable, TABLE_END, TABLE_START } from '../src/config/reference.ts';

const app = new URL('../', import.meta.url);
const SAMPLE = new URL('examples/switchyard.json', app).pathname;

async function committedSchema(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(new URL('schema/switchyard.schema.json', app), 'utf8'));
}

function validator(schema: Record<string, unknown>) {
  return new Ajv2020({ allErrors: true, strict: false }).compile(schema);
}

describe('the JSON Schema', () => {
  it('committed in schema/ equals the one made from the zod schema (run `bun run schema`)', async () => {
    expect(await committedSchema()).toEqual(configJsonSchema());
  });

  it('the README key table equals the one made from the schema (run `bun run schema`)', async () => {
    const readme = await readFile(new URL('README.md', app), 'utf8');
    const table = readme
      .slice(readme.indexOf(TABLE_START) + TABLE_START.length, readme.indexOf(TABLE_END))
      .trim();
    expect(table).toBe(keyTable(configJsonSchema()));
  });

  it('the sample config validates against both the JSON Schema and the zod schema', async () => {
    const text = await readFile(SAMPLE, 'utf8');
    const parsed = parseJsonc(text);
    if (!parsed.ok) throw new Error('the sample is not JSON');
    const validate = validator(await committedSchema());
    expect(validate(parsed.value), JSON.stringify(validate.errors)).toBe(true);
    const config = await loadConfigFile(SAMPLE, {
      env: { GITHUB_TOKEN: 'ghp_x', SWITCHYARD_TOKEN: 'a-token-of-enough-length' },
    });
    expect(config.backends.map((b) => `${b.name}:${b.kind}`)).toEqual([
      'github:stdio',
      'fetch:stdio',
      'docs:remote',
      'tools:module',
    ]);
    expect(config.skipped).toEqual(['legacy']);
  });

  it('the embedded default validates against the JSON Schema', async () => {
    expect(validator(await committedSchema())(DEFAULT_CONFIG)).toBe(true);
  });

  it('refuses what the zod schema refuses', async () => {
    const validate = validator(await committedSchema());
    expect(validate({ mcpServers: { a: { command: 'x', tier: 'hott' } } })).toBe(false);
    expect(validate({ mcpServers: { 'bad name': { command: 'x' } } })).toBe(false);
    expect(validate({ mcpServers: { a: { command: 'x', url: 'https://a.test/' } } })).toBe(false);
    expect(validate({ mcpServers: { a: { args: [] } } })).toBe(false);
    expect(validate({ mcpServers: {}, switchyard: { lisen: {} } })).toBe(false);
    expect(validate({ mcpServers: { a: { command: 'x', disabled: false, timeout: 30 } } })).toBe(true);
  });
});
