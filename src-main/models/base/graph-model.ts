import type { ParamStore } from './params.ts';
import { ForwardContext, tidyForward } from './layers.ts';
import type { CommonConfig, ForwardOptions, Model, ModelInputs, ModelOutputs } from './types.ts';

/**
 * What every graph shares around its forward pass: one tf.tidy, one ForwardContext built from the options (hooks,
 * dropout on or off, its seed), and disposing the weights. A graph only writes `run`.
 */
export abstract class GraphModel<C extends CommonConfig> implements Model {
  constructor(
    readonly config: C,
    readonly params: ParamStore,
  ) {}

  forward(inputs: ModelInputs, opts: ForwardOptions = {}): ModelOutputs {
    return tidyForward(() =>
      this.run(
        inputs,
        new ForwardContext(
          this.params,
          opts.hooks ?? {},
          opts.training ?? false,
          opts.dropoutSeed ?? 0,
          opts.cache ?? null,
        ),
      ),
    );
  }

  /** The network on `inputs`, inside the forward pass's tidy. */
  protected abstract run(inputs: ModelInputs, ctx: ForwardContext): ModelOutputs;

  dispose(): void {
    this.params.dispose();
  }
}
