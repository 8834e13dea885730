/**
 * Prompt tuning (Lester et al. 2021): trainable virtual token embeddings prepended to every input. On CLIP they go
 * before each text of the text tower (CoOp-style learned context, Zhou et al. 2022): the label prompts are the
 * class prototypes, as in zero-shot CLIP, and the tower pools at their end token past the virtual tokens.
 */
import * as tf from '@tensorflow/tfjs-core';
import { findArchitecture } from '../../models/architectures.ts';
import type { Model } from '../../models/base/types.ts';
import { HeadCopy } from '../base/head.ts';
import { normal, trainableVar, uniqueScope } from '../base/init.ts';
import { registerMethod } from '../base/registry.ts';
import type { AdapterInstance } from '../base/types.ts';
import type { RowwiseParts } from '../base/rowwise.ts';
import { PROMPT_WEIGHT, promptPeft } from './peft.ts';
import { UserError } from '../../errors.ts';

export interface PromptConfig {
  virtualTokens: number;
}

export { PROMPT_WEIGHT };

class PromptAdapter implements AdapterInstance {
  readonly method = 'prompt' as const;
  readonly baseTrainable: readonly string[] = [];
  readonly merged = false;
  readonly weights = new Map<string, tf.Variable>();

  constructor(
    readonly prompt: tf.Variable,
    readonly head: HeadCopy,
  ) {
    this.weights.set(PROMPT_WEIGHT, prompt);
    for (const [name, w] of head.weights) this.weights.set(name, w);
  }

  get rowwise(): RowwiseParts {
    return { kind: 'prompt', prompt: this.prompt, head: this.head };
  }

  get hooks() {
    return {
      embeddings: (h: tf.Tensor3D, mask: tf.Tensor2D) => {
        const [batch] = h.shape;
        const v = this.prompt.shape[0] as number;
        const virtual = this.prompt.expandDims(0).tile([batch, 1, 1]) as tf.Tensor3D;
        return {
          h: tf.concat([virtual, h], 1) as tf.Tensor3D,
          mask: tf.concat([tf.ones([batch, v]), mask.cast('float32')], 1) as tf.Tensor2D,
        };
      },
      linear: (name: string, x: tf.Tensor2D, base: (x: tf.Tensor2D) => tf.Tensor2D) =>
        this.head.apply(name, x) ?? base(x),
    };
  }

  dispose(): void {
    this.prompt.dispose();
    this.head.dispose();
  }
}

/** Text models, and CLIP's text tower: any architecture whose graph runs the `embeddings` hook on token ids. */
function checkModel(model: Model): void {
  const c = model.config;
  const textTower =
    c.inputKind === 'image-text' && findArchitecture(c.modelType)?.hooks.includes('embeddings');
  if (c.inputKind !== 'text' && !textTower)
    throw new UserError(
      `prompt tuning needs a text model or CLIP's text tower; this is a ${c.modelType} (${c.inputKind})`,
    );
  // Read as a video classifier, CLIP runs no text (a linear head replaces the label prompts): nothing to prepend to.
  if ((c as { video?: boolean }).video)
    throw new UserError(
      "prompt tuning goes before CLIP's label prompts; for video clips use st-adapter or the linear probe (head)",
    );
}

export const promptMethod = registerMethod({
  type: 'prompt',
  peft: promptPeft,
  create(model, config, seed, opts) {
    checkModel(model);
    const scope = uniqueScope('prompt');
    // Start near the scale of real token embeddings so the first steps are not dominated by the prompt.
    const init = normal([config.virtualTokens, model.config.hiddenSize], 0.02, seed);
    return new PromptAdapter(
      trainableVar(init, `${scope}prompt`),
      HeadCopy.forAdapter(model, opts, scope, seed),
    );
  },
  fromWeights(model, _config, weights) {
    checkModel(model);
    const scope = uniqueScope('prompt');
    const p = weights.get(PROMPT_WEIGHT);
    if (!p) throw new UserError(`prompt-tuning adapter has no ${PROMPT_WEIGHT}`);
    const head = new Map([...weights].filter(([n]) => n !== PROMPT_WEIGHT));
    return new PromptAdapter(trainableVar(p.clone(), `${scope}prompt`), HeadCopy.fromTensors(head, scope));
  },
});
