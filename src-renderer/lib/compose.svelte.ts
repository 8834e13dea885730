import type { ComposeBlock, SavedComposition } from '../../src-shared/compose.ts';
import type { PlaygroundResult } from '../../src-shared/library.ts';
import { call } from './api.ts';
import { shownError } from './form-errors.svelte.ts';
import type { ShownError } from './form-errors.svelte.ts';

export type BlockKind = 'stack' | 'parallel' | 'average' | 'batch-split';

/** The blocks the Compose page offers, each in one line (AdapterHub's composition blocks). */
export const BLOCKS: readonly { kind: BlockKind; label: string; help: string }[] = [
  {
    kind: 'stack',
    label: 'Stack',
    help: 'each adapter runs on the output of the one before (a domain or language adapter under a task adapter); the last one answers',
  },
  {
    kind: 'parallel',
    label: 'Parallel',
    help: 'every adapter answers the same input in one forward pass: one answer per adapter',
  },
  {
    kind: 'average',
    label: 'Average',
    help: 'the weighted mean of the adapters’ outputs at every layer (or of their weights, for same-shaped adapters of one task)',
  },
  {
    kind: 'batch-split',
    label: 'Batch split',
    help: 'different rows of one batch go to different adapters (for batches: try it with studio compose predict on a file)',
  },
];

/** What the form holds: the adapters in the order chosen, the block and its numbers. */
export interface RecipeFields {
  runIds: number[];
  kind: BlockKind;
  weights: Record<number, number>;
  sizes: Record<number, number>;
  mode: 'outputs' | 'weights';
}

/** The recipe the services take: one block whose leaves are the chosen adapters in order. */
export function recipeOf(f: RecipeFields): { block: ComposeBlock; runIds: number[] } {
  const children = f.runIds.map((_, source) => ({ block: 'adapter' as const, source }));
  const block: ComposeBlock =
    f.kind === 'average'
      ? { block: 'average', children, weights: f.runIds.map((id) => f.weights[id] ?? 1), mode: f.mode }
      : f.kind === 'batch-split'
        ? { block: 'batch-split', children, sizes: f.runIds.map((id) => f.sizes[id] ?? 1) }
        : { block: f.kind, children };
  return { block, runIds: f.runIds };
}

/** The Compose page's try and save: the playground's last answer, and the composition last saved. */
export class ComposeState {
  #result = $state.raw<PlaygroundResult | null>(null);
  /** The refusal, with the field it is about when main named one (the page shows it beside that field). */
  #error = $state.raw<ShownError | null>(null);
  #busy = $state<'trying' | 'saving' | null>(null);
  #saved = $state.raw<SavedComposition | null>(null);

  get result() {
    return this.#result;
  }
  get error() {
    return this.#error;
  }
  get busy() {
    return this.#busy;
  }
  get saved() {
    return this.#saved;
  }

  async try(project: string, f: RecipeFields, text: string): Promise<void> {
    this.#busy = 'trying';
    this.#error = null;
    try {
      this.#result = await call('compose:try', { project, ...recipeOf(f), text });
    } catch (err) {
      this.#result = null;
      this.#error = shownError(err);
    } finally {
      this.#busy = null;
    }
  }

  async save(project: string, f: RecipeFields, name: string): Promise<SavedComposition | null> {
    this.#busy = 'saving';
    this.#error = null;
    try {
      this.#saved = await call('compose:save', { project, ...recipeOf(f), ...(name.trim() ? { name } : {}) });
      return this.#saved;
    } catch (err) {
      this.#error = shownError(err);
      return null;
    } finally {
      this.#busy = null;
    }
  }
}
