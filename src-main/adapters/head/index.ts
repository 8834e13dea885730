/** Linear probe (baseline): only the task head trains, on frozen features. */
import type * as tf from '@tensorflow/tfjs-core';
import type { Model } from '../../models/base/types.ts';
import { HeadCopy } from '../base/head.ts';
import { uniqueScope } from '../base/init.ts';
import { registerMethod } from '../base/registry.ts';
import type { AdapterInstance } from '../base/types.ts';
import { UserError } from '../../errors.ts';

class HeadAdapter implements AdapterInstance {
  readonly method = 'head' as const;
  readonly baseTrainable: readonly string[] = [];
  readonly merged = false;

  constructor(readonly head: HeadCopy) {}

  get weights(): ReadonlyMap<string, tf.Variable> {
    return this.head.weights;
  }

  get hooks() {
    return {
      linear: (name: string, x: tf.Tensor2D, base: (x: tf.Tensor2D) => tf.Tensor2D) =>
        this.head.apply(name, x) ?? base(x),
    };
  }

  dispose(): void {
    this.head.dispose();
  }
}

function checkModel(model: Model): void {
  if (model.config.headModules.length === 0) {
    throw new UserError(
      `head: this ${model.config.modelType} model has no task head to train (a language model?)`,
    );
  }
}

export const headMethod = registerMethod({
  type: 'head',
  create(model, _config, seed, opts) {
    checkModel(model);
    return new HeadAdapter(HeadCopy.forAdapter(model, opts, uniqueScope('head'), seed));
  },
  fromWeights(model, _config, weights) {
    checkModel(model);
    return new HeadAdapter(HeadCopy.fromTensors(weights, uniqueScope('head')));
  },
});
