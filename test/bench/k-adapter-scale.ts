/**
 * Why two knowledge adapters' raw outputs made a worse combined head than one (docs/MODALITIES.md, K-Adapter):
 * measures, on the default encoder at the first token, the encoder's final hidden state, a freshly initialised
 * knowledge adapter's output and its learned part (the output minus the hidden states it read, which the
 * combination head reads now, layer-normalised), and how alike two adapters' outputs and learned parts are.
 *   npx tsx test/bench/k-adapter-scale.ts
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createAdapter } from '../../src-main/adapters/index.ts';
import { kAdapterSchema } from '../../src-main/adapters/k-adapter/schema.ts';
import { initBackend } from '../../src-main/engine/backends.ts';
import { loadModel } from '../../src-main/models/index.ts';

interface Tap {
  knowledge: { take(): { output: tf.Tensor2D; learned: tf.Tensor2D } }[];
  hooks: { layerOutput: (...a: never[]) => tf.Tensor2D };
}

await initBackend('wasm');
const model = loadModel(path.resolve('models/studio-bert-small'), {
  task: 'sequence-classification',
  labels: ['a', 'b'],
});
const [batch, seq] = [16, 16];
const inputIds = tf.randomUniform([batch, seq], 5, 8192, 'int32', 1) as tf.Tensor2D;
const attentionMask = tf.ones([batch, seq], 'int32') as tf.Tensor2D;
const features = (seed: number) => {
  const a = createAdapter(model, kAdapterSchema.parse({ type: 'k-adapter' }), seed) as unknown as Tap;
  let last: tf.Tensor2D | null = null;
  let f: tf.Tensor2D | null = null;
  let g: tf.Tensor2D | null = null;
  model.forward(
    { inputIds, attentionMask },
    {
      hooks: {
        layerOutput: a.hooks.layerOutput,
        sequenceHead: (h: tf.Tensor3D) => {
          // Kept past the forward pass's tidy: what the head would read at the first token.
          last = tf.keep(h.slice([0, 0, 0], [batch, 1, -1]).reshape([batch, -1]) as tf.Tensor2D);
          const { output, learned } = a.knowledge[0]!.take();
          const first = (t: tf.Tensor2D) =>
            tf.keep(
              t
                .reshape([batch, seq, -1])
                .slice([0, 0, 0], [batch, 1, -1])
                .reshape([batch, -1]) as tf.Tensor2D,
            );
          f = first(output);
          g = first(learned);
          return tf.zeros([batch, 2]) as tf.Tensor2D;
        },
      },
    },
  );
  return {
    base: last as unknown as tf.Tensor2D,
    f: f as unknown as tf.Tensor2D,
    g: g as unknown as tf.Tensor2D,
  };
};
const one = features(1);
const two = features(2);
const norm = (t: tf.Tensor2D) =>
  tf
    .mean(tf.norm(t, 'euclidean', 1))
    .dataSync()[0]!
    .toFixed(2);
const cos = (a: tf.Tensor2D, b: tf.Tensor2D) =>
  tf
    .mean(tf.sum(a.mul(b), 1).div(tf.norm(a, 'euclidean', 1).mul(tf.norm(b, 'euclidean', 1))))
    .dataSync()[0]!
    .toFixed(3);
console.log(
  `first-token L2 norm: encoder final hidden ${norm(one.base)}, adapter output ${norm(one.f)}, its learned part ${norm(one.g)}`,
);
console.log(
  `cosine: output 1 vs output 2 ${cos(one.f, two.f)}, output vs encoder ${cos(one.f, one.base)}; learned part 1 vs 2 ${cos(one.g, two.g)}, learned part vs encoder ${cos(one.g, one.base)}`,
);
