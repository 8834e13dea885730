/** Contract of the Compose page: try a composition of library adapters in the playground, save it to the library. */
// Handlers: src-main/services/compose-handlers.ts.
import { z } from 'zod';
import { composeBlockSchema, MAX_SOURCES } from '../compose.ts';
import type { SavedComposition } from '../compose.ts';
import type { PlaygroundResult } from '../library.ts';
import { projectPath, runId } from './common.ts';
import { call } from './define.ts';

const recipe = {
  project: projectPath,
  block: composeBlockSchema,
  /** The library runs the block's leaves name (`source` i is runIds[i]). */
  runIds: z.array(runId).min(1).max(MAX_SOURCES),
};

export const composeCalls = {
  'compose:try': call(
    z.object({ ...recipe, text: z.string().max(100_000), pair: z.string().max(100_000).optional() }).strict(),
  ).returns<PlaygroundResult>(),
  'compose:save': call(
    z.object({ ...recipe, name: z.string().trim().max(120).optional() }).strict(),
  ).returns<SavedComposition>(),
} as const;
