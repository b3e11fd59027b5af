/**
 * The README's table of configuration keys, made from the JSON Schema: one row per key with its
 * type, default and description. `bun run schema` writes it between the README's markers.
 */

type Node = {
  type?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Node[];
  items?: Node;
  properties?: Record<string, Node>;
  additionalProperties?: Node | boolean;
  propertyNames?: Node;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
  description?: string;
};

export const TABLE_START = '<!-- keys:start (bun run schema) -->';
export const TABLE_END = '<!-- keys:end -->';

function isDigitString(node: Node): boolean {
  return node.type === 'string' && node.pattern?.startsWith('^([0-9]+|') === true;
}

function typeOf(node: Node): string {
  if (node.enum) return node.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' | ');
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (node.anyOf) {
    return node.anyOf
      .filter((n) => !isDigitString(n))
      .map(typeOf)
      .join(' or ');
  }
  if (node.type === 'integer') {
    const max =
      node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER ? ` ≤ ${node.maximum}` : '';
    return `integer ≥ ${node.minimum ?? 0}${max}`;
  }
  if (node.type === 'array') return `array of ${node.items ? typeOf(node.items) : 'any'}`;
  if (node.type === 'string' && node.format === 'uri') return 'URL';
  if (node.type === 'object')
    return node.properties ? 'object' : node.propertyNames ? 'object by name' : 'object of strings';
  return node.type ?? 'any';
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function rows(node: Node, path: string, out: string[]): void {
  const objects = [node, ...(node.anyOf ?? []), ...(node.items ? [node.items] : [])];
  for (const obj of objects) {
    const at = obj === node.items ? `${path}[]` : path;
    for (const [key, child] of Object.entries(obj.properties ?? {})) {
      const childPath = at === '' ? key : `${at}.${key}`;
      if (key !== '$schema') {
        const plain =
          child.default === undefined || (typeof child.default === 'object' && child.default !== null);
        const dflt = plain ? '' : `\`${JSON.stringify(child.default)}\``;
        out.push(
          `| \`${childPath}\` | ${cell(typeOf(child))} | ${cell(dflt)} | ${cell(child.description ?? '')} |`,
        );
      }
      rows(child, childPath, out);
    }
    if (obj.propertyNames && typeof obj.additionalProperties === 'object') {
      rows(obj.additionalProperties, `${at}.<name>`, out);
    }
  }
}

/** The Markdown table of every key of `schema`. */
export function keyTable(schema: Record<string, unknown>): string {
  const out = ['| key | type | default | meaning |', '| --- | --- | --- | --- |'];
  rows(schema as Node, '', out);
  return out.join('\n');
}

/** `readme` with the text between the markers replaced by `table`. */
export function withKeyTable(readme: string, table: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`the README has no ${TABLE_START} … ${TABLE_END} markers`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${table}\n${readme.slice(end)}`;
}
