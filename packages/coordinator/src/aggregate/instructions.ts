/**
 * The gateway's `instructions`: each backend's own, under a heading naming it. A backend's text
 * speaks of its tools by their own names, so the heading says how they are named here.
 */
import type { Naming } from '../naming/naming.ts';

export interface BackendInstructions {
  backend: string;
  instructions?: string | undefined;
}

/**
 * ```md
 * ## github
 * (Its tools and prompts are named `github__<name>` here.)
 *
 * <github's instructions>
 * ```
 * Sections follow configuration order; backends without instructions are left out; `preamble`
 * (the gateway's own words) comes first. `undefined` when there is nothing to say.
 */
export function mergeInstructions(
  naming: Naming,
  entries: readonly BackendInstructions[],
  preamble?: string,
): string | undefined {
  const sections: string[] = [];
  if (preamble?.trim()) sections.push(preamble.trim());
  for (const { backend, instructions } of naming.inConfigOrder(entries)) {
    const text = instructions?.trim();
    if (!text) continue;
    const { prefix } = naming.backend(backend);
    const naming_ =
      prefix === false
        ? '(Its tools and prompts keep their own names here.)'
        : `(Its tools and prompts are named \`${prefix}${naming.separator}<name>\` here.)`;
    sections.push(`## ${backend}\n${naming_}\n\n${text}`);
  }
  return sections.length === 0 ? undefined : sections.join('\n\n');
}
