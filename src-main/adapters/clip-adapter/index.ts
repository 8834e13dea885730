/**
 * CLIP-Adapter (Gao et al. 2021): a two-layer bottleneck (Linear without bias, ReLU, Linear without bias, ReLU)
 * on CLIP's projected image and/or text features, blended with the frozen features by the residual ratio alpha:
 * f' = alpha * adapter(f) + (1 - alpha) * f. The backbone stays frozen; cosine similarity to the label prompts'
 * text features (the class prototypes) gives the logits, as in zero-shot CLIP.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linear } from '../../engine/ops/index.ts';
import { UserError } from '../../errors.ts';
import type { Model } from '../../models/base/types.ts';
import { HeadCopy } from '../base/head.ts';
import { trainableVar, uniform, uniqueScope } from '../base/init.ts';
import { registerMethod } from '../base/registry.ts';
import type { AdapterInstance } from '../base/types.ts';

type Tower = 'image' | 'text';
interface Bottleneck {
  down: tf.Variable;
  up: tf.Variable;
}

export const clipAdapterNames = (tower: Tower) => ({
  down: `clip_adapter.${tower}.down.weight`,
  up: `clip_adapter.${tower}.up.weight`,
});

/** alpha * relu(relu(f W_down) W_up) + (1 - alpha) * f on [rows, dim]. */
export function blend(f: tf.Tensor2D, b: Bottleneck, alpha: number): tf.Tensor2D {
  const adapted = tf.relu(linear(tf.relu(linear(f, b.down)) as tf.Tensor2D, b.up));
  return adapted.mul(alpha).add(f.mul(1 - alpha));
}

class ClipAdapter implements AdapterInstance {
  readonly method = 'clip-adapter' as const;
  readonly baseTrainable: readonly string[] = [];
  readonly merged = false;
  readonly weights = new Map<string, tf.Variable>();

  constructor(
    readonly towers: ReadonlyMap<Tower, Bottleneck>,
    readonly alpha: number,
    readonly head: HeadCopy,
  ) {
    for (const [tower, b] of towers) {
      const n = clipAdapterNames(tower);
      this.weights.set(n.down, b.down).set(n.up, b.up);
    }
    for (const [name, w] of head.weights) this.weights.set(name, w);
  }

  get hooks() {
    return {
      features: (tower: Tower, x: tf.Tensor2D) => {
        const b = this.towers.get(tower);
        return b ? blend(x, b, this.alpha) : x;
      },
      linear: (name: string, x: tf.Tensor2D, base: (x: tf.Tensor2D) => tf.Tensor2D) =>
        this.head.apply(name, x) ?? base(x),
    };
  }

  dispose(): void {
    for (const b of this.towers.values()) tf.dispose([b.down, b.up]);
    this.head.dispose();
  }
}

/** The projection width: CLIP-Adapter needs a model with a `features` hook (two towers). */
function featureWidth(model: Model): number {
  const c = model.config as typeof model.config & { projectionDim?: number };
  if (model.config.inputKind !== 'image-text' || !c.projectionDim)
    throw new UserError(
      `clip-adapter needs a CLIP model (image and text towers); this is a ${model.config.modelType}`,
    );
  // Read as a video classifier, CLIP has a linear head and no label prompts to blend features against.
  if ((c as { video?: boolean }).video)
    throw new UserError(
      'clip-adapter classifies images against label prompts; for video clips use st-adapter or the linear probe (head)',
    );
  return c.projectionDim;
}

const towersOf = (t: 'image' | 'text' | 'both'): Tower[] => (t === 'both' ? ['image', 'text'] : [t]);

export const clipAdapterMethod = registerMethod({
  type: 'clip-adapter',
  create(model, config, seed, opts) {
    const dim = featureWidth(model);
    const mid = Math.max(1, Math.floor(dim / config.reductionFactor));
    const scope = uniqueScope('clip-adapter');
    const towers = new Map<Tower, Bottleneck>();
    let s = seed;
    for (const tower of towersOf(config.towers)) {
      // nn.Linear's default init (Kaiming uniform, bound 1/sqrt(fan_in)), as the paper's torch code gets.
      towers.set(tower, {
        down: trainableVar(uniform([dim, mid], 1 / Math.sqrt(dim), s++), `${scope}${tower}.down`),
        up: trainableVar(uniform([mid, dim], 1 / Math.sqrt(mid), s++), `${scope}${tower}.up`),
      });
    }
    return new ClipAdapter(towers, config.alpha, HeadCopy.forAdapter(model, opts, scope, seed));
  },
  fromWeights(model, config, weights) {
    featureWidth(model);
    const scope = uniqueScope('clip-adapter');
    const towers = new Map<Tower, Bottleneck>();
    for (const tower of towersOf(config.towers)) {
      const n = clipAdapterNames(tower);
      const down = weights.get(n.down);
      const up = weights.get(n.up);
      if (!down || !up) throw new UserError(`clip-adapter is missing ${down ? n.up : n.down}`);
      towers.set(tower, {
        down: trainableVar(down.clone(), `${scope}${n.down}`),
        up: trainableVar(up.clone(), `${scope}${n.up}`),
      });
    }
    const head = new Map([...weights].filter(([name]) => !name.startsWith('clip_adapter.')));
    return new ClipAdapter(towers, config.alpha, HeadCopy.fromTensors(head, scope));
  },
});
