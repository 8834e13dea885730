/**
 * Composition blocks over the adapter library, as AdapterHub's `adapters.composition` defines them: a tree whose
 * leaves are library adapters (by their index in the recipe's `sources`) and whose inner nodes say how their
 * children combine. Pure data: the main process validates and stores recipes, the engine (adapters/compose/)
 * turns them into forward hooks. A trained fusion (AdapterFusion) is a library adapter of its own (method `fuse`),
 * so it nests here as a leaf.
 */
import { z } from 'zod';

export const BLOCK_KINDS = ['stack', 'parallel', 'average', 'batch-split'] as const;
export type BlockKind = (typeof BLOCK_KINDS)[number];

export type ComposeBlock =
  | { block: 'adapter'; source: number }
  | { block: 'stack'; children: ComposeBlock[] }
  | { block: 'parallel'; children: ComposeBlock[] }
  | { block: 'average'; children: ComposeBlock[]; weights?: number[]; mode?: 'outputs' | 'weights' }
  | { block: 'batch-split'; children: ComposeBlock[]; sizes: number[] };

/** Nesting deeper than this is a mistake, not a recipe (and keeps a hostile file from recursing forever). */
export const MAX_BLOCK_DEPTH = 6;
export const MAX_SOURCES = 16;

const children = z.lazy(() => z.array(composeBlockSchema).min(2).max(MAX_SOURCES));

export const composeBlockSchema: z.ZodType<ComposeBlock> = z.lazy(() =>
  z.discriminatedUnion('block', [
    z.object({ block: z.literal('adapter'), source: z.number().int().min(0).max(MAX_SOURCES) }).strict(),
    z.object({ block: z.literal('stack'), children }).strict(),
    z.object({ block: z.literal('parallel'), children }).strict(),
    z
      .object({
        block: z.literal('average'),
        children,
        weights: z.array(z.number().finite()).optional(),
        mode: z.enum(['outputs', 'weights']).optional(),
      })
      .strict(),
    z
      .object({
        block: z.literal('batch-split'),
        children,
        sizes: z.array(z.number().int().positive()).min(2).max(MAX_SOURCES),
      })
      .strict(),
  ]),
);

/** One library adapter a recipe uses: what it is, where it came from and the hash of its weights. */
export const composeSourceSchema = z
  .object({
    method: z.string().min(1),
    /** The adapter's own saved config (its options, task and labels). */
    config: z.record(z.string(), z.unknown()),
    name: z.string().max(200).optional(),
    /** The library run it was taken from, in the project that made the recipe. */
    runId: z.number().int().positive().optional(),
    /** sha256 of the source adapter's weights file when the recipe was made. */
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    /** A folder to read it from (a recipe being built or a fusion being trained); saved recipes embed weights. */
    dir: z.string().min(1).optional(),
  })
  .strict();
export type ComposeSource = z.output<typeof composeSourceSchema>;

/** The leaves of a block tree, in order. */
export function blockSources(b: ComposeBlock): number[] {
  return b.block === 'adapter' ? [b.source] : b.children.flatMap(blockSources);
}

/** One line per problem a tree has that its schema cannot see; empty when it is sound. */
export function blockProblems(b: ComposeBlock, sourceCount: number, depth = 0): string[] {
  if (depth > MAX_BLOCK_DEPTH) return [`blocks nest deeper than ${MAX_BLOCK_DEPTH}`];
  if (b.block === 'adapter')
    return b.source < sourceCount ? [] : [`adapter ${b.source}: there are only ${sourceCount} source(s)`];
  const own: string[] = [];
  if (b.block === 'average' && b.weights && b.weights.length !== b.children.length)
    own.push(`average: ${b.weights.length} weight(s) for ${b.children.length} adapters`);
  if (b.block === 'average' && b.weights && b.weights.reduce((s, w) => s + w, 0) === 0)
    own.push('average: the weights sum to 0');
  if (b.block === 'batch-split' && b.sizes.length !== b.children.length)
    own.push(`batch-split: ${b.sizes.length} size(s) for ${b.children.length} adapters`);
  if (b.block === 'average' && b.mode === 'weights' && b.children.some((c) => c.block !== 'adapter'))
    own.push('average of weights: every child must be one adapter');
  return [...own, ...b.children.flatMap((c) => blockProblems(c, sourceCount, depth + 1))];
}

/** A block's weights for averaging, normalised to sum to 1 (equal when none are given), as AdapterHub does. */
export function averageWeights(b: { children: unknown[]; weights?: number[] }): number[] {
  const w = b.weights ?? b.children.map(() => 1);
  const sum = w.reduce((s, x) => s + x, 0);
  return w.map((x) => x / sum);
}

/** A short human description of a tree, e.g. `stack(#3, average(#4, #5))`. */
export function describeBlock(b: ComposeBlock, name: (source: number) => string): string {
  if (b.block === 'adapter') return name(b.source);
  return `${b.block}(${b.children.map((c) => describeBlock(c, name)).join(', ')})`;
}

/** Parallel at the top: the composition answers once per child. */
export const outputsOf = (b: ComposeBlock): number => (b.block === 'parallel' ? b.children.length : 1);

/** One answer of a composition: parallel gives one per child, every other root one. */
export interface CompositionOutput {
  title: string;
  labels: string[];
}

/** A composition saved to the library (a completed run of method `compose`). */
export interface SavedComposition {
  runId: number;
  name: string;
  outputs: CompositionOutput[];
}
