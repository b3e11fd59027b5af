/**
 * A package README's example, as files to run: its ```ts blocks in order, where a block whose first
 * line names a file (`// tasks.ts — …`) is that file, and the first block that names none is the
 * example itself. Blocks after it belong to the rest of the README.
 */
export interface ReadmeExample {
  /** Helper files the example imports, by name. */
  files: Record<string, string>;
  /** The example's own source. */
  main: string;
}

const FENCE = /^```ts\n([\s\S]*?)^```$/gm;
const NAMED = /^\/\/ ([\w./-]+\.ts)\b/;

export function readmeExample(readme: string): ReadmeExample {
  const files: Record<string, string> = {};
  for (const [, body] of readme.matchAll(FENCE)) {
    const named = NAMED.exec(body!);
    if (!named) return { files, main: body! };
    files[named[1]!] = body!;
  }
  throw new Error('the README has no ```ts example that names no file');
}
