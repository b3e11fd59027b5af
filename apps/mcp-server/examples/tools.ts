/**
 * The `tools` module backend of `switchyard.json` beside it: a file exporting `tools`, run on the
 * gateway's worker threads (see `src/builtin/tools.ts` for the shape). One tool, `greet`.
 */
import { z } from 'zod';

export const tools = {
  greet: {
    description: 'Says hello to someone.',
    inputSchema: z.object({ name: z.string().describe('Who to greet') }),
    handler: ({ name }: { name: string }) => ({
      content: [{ type: 'text' as const, text: `Hello, ${name}!` }],
    }),
  },
};
