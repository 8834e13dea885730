/**
 * Full fine-tuning (baseline): every weight of the model trains. Nothing is added; the "adapter" is the set of
 * base weights, saved whole.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Model } from '../../models/base/types.ts';
import { HeadCopy } from '../base/head.ts';
import { uniqueScope } from '../base/init.ts';
import { registerMethod } from '../base/registry.ts';
import type { AdapterInstance } from '../base/types.ts';
import { UserError } from '../../errors.ts';

class FullAdapter implements AdapterInstance {
  readonly method = 'full' as const;
  readonly merged = false;
  readonly weights = new Map<string, tf.Variable>();
  readonly hooks = {};

  constructor(
    private readonly model: Model,
    readonly baseTrainable: readonly string[],
  ) {
    // Every base weight receives gradients while this adapter is attached.
    model.params.setTrainable(() => true);
  }

  dispose(): void {
    this.model.params.setTrainable(() => false);
  }
}

export const fullMethod = registerMethod({
  type: 'full',
  create(model, _config, seed, opts) {
    const labels = opts?.numLabels ?? 0;
    if (labels > 0 && labels !== model.config.labels.length) {
      // The whole model trains, so the new output layer replaces the base's own (the model was loaded for this run).
      const head = HeadCopy.forLabels(model, labels, uniqueScope('full'), seed + 7919);
      for (const [name, w] of head.weights) model.params.replace(name, w);
      head.dispose();
    }
    return new FullAdapter(model, model.params.names());
  },
  fromWeights(model, _config, weights) {
    for (const [name, t] of weights) {
      if (!model.params.has(name))
        throw new UserError(`full fine-tune checkpoint has ${name}, which this model does not`);
      const v = model.params.get(name);
      tf.tidy(() => v.assign(t));
    }
    return new FullAdapter(model, model.params.names());
  },
});
