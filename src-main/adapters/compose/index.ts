/**
 * The `compose` method: a saved composition of library adapters (stack, parallel, average, batch-split) as one
 * adapter instance, so the library, the playground, `predict`, bundles and import treat it like any adapter. It
 * trains nothing; its saved weights are its sources' weights under `sources.<i>.`.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { blockProblems, blockSources, outputsOf } from '../../../src-shared/compose.ts';
import type { ComposeBlock } from '../../../src-shared/compose.ts';
import type { MethodConfigOf } from '../../../src-shared/methods.ts';
import { UserError } from '../../errors.ts';
import type { ForwardHooks } from '../../models/base/hooks.ts';
import type { Model } from '../../models/base/types.ts';
import { registerMethod } from '../base/registry.ts';
import type { AdapterInstance } from '../base/types.ts';
import { averagedAdapter } from './average-weights.ts';
import { blockHooks } from './blocks.ts';
import { loadSources, savedSource, sourceWeights } from './sources.ts';

type ComposeConfig = MethodConfigOf<'compose'>;

export class CompositeAdapter implements AdapterInstance {
  readonly method = 'compose' as const;
  readonly baseTrainable: readonly string[] = [];
  readonly merged = false;
  /** Nothing trains in a composition. */
  readonly weights = new Map<string, tf.Variable>();
  readonly hooks: ForwardHooks;
  /** How many answers one input gets (parallel at the root: one per child). */
  readonly outputs: number;
  readonly #extra: AdapterInstance[] = [];

  constructor(
    model: Model,
    readonly config: ComposeConfig,
    readonly sources: AdapterInstance[],
  ) {
    this.outputs = outputsOf(config.block);
    try {
      this.hooks = blockHooks(
        config.block,
        (i) => (sources[i] as AdapterInstance).hooks,
        (b) => {
          const merged = averagedAdapter(model, b, config.sources, sources);
          this.#extra.push(merged);
          return merged.hooks;
        },
      );
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  async exportWeights(): Promise<Map<string, tf.Tensor>> {
    return sourceWeights(this.sources);
  }

  /** The recipe as saved: sources by config and identity (their weights travel in the weights file). */
  savedConfig(config: Record<string, unknown>): Record<string, unknown> {
    return { ...config, sources: this.config.sources.map(savedSource) };
  }

  dispose(): void {
    for (const a of [...this.sources, ...this.#extra]) a.dispose();
    this.#extra.length = 0;
  }
}

function check(config: ComposeConfig): void {
  const problems = blockProblems(config.block, config.sources.length);
  const b = config.block;
  if (b.block === 'parallel' ? b.children.some(hasParallel) : hasParallel(b))
    problems.push('parallel: only as the outermost block (it repeats the batch once per adapter)');
  const unused = config.sources.map((_, i) => i).filter((i) => !blockSources(config.block).includes(i));
  if (unused.length > 0) problems.push(`source(s) ${unused.join(', ')} are not used by any block`);
  if (problems.length > 0) throw new UserError(`compose: ${problems[0]}`);
}

const hasParallel = (b: ComposeBlock): boolean =>
  b.block !== 'adapter' && (b.block === 'parallel' || b.children.some(hasParallel));

const build = (model: Model, config: ComposeConfig, saved?: ReadonlyMap<string, tf.Tensor>) => {
  check(config);
  return new CompositeAdapter(model, config, loadSources(model, config.sources, saved));
};

export const composeMethod = registerMethod({
  type: 'compose',
  // A recipe being built: every source is read from its folder.
  create: (model, config) => build(model, config),
  fromWeights: (model, config, weights) => build(model, config, weights),
});
