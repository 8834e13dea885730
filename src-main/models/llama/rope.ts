import * as tf from '@tensorflow/tfjs-core';

/** cos/sin tables [seq, headDim] for rotary embeddings (transformers' default rope: halves concatenated). */
export function ropeTables(
  seq: number,
  headDim: number,
  theta: number,
  offset = 0,
): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const half = headDim / 2;
  const invFreq = Float32Array.from({ length: half }, (_, i) => 1 / theta ** ((2 * i) / headDim));
  const angles = new Float32Array(seq * headDim);
  for (let p = 0; p < seq; p++) {
    for (let i = 0; i < half; i++) {
      const a = (p + offset) * (invFreq[i] as number);
      angles[p * headDim + i] = a;
      angles[p * headDim + i + half] = a;
    }
  }
  return tf.tidy(() => {
    const t = tf.tensor2d(angles, [seq, headDim]);
    return { cos: tf.cos(t), sin: tf.sin(t) };
  });
}

/** x * cos + rotate_half(x) * sin on [batch, heads, seq, headDim]. */
export function applyRope(x: tf.Tensor4D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor4D {
  const half = x.shape[3] / 2;
  const [x1, x2] = tf.split(x, [half, half], 3);
  const rotated = tf.concat([tf.neg(x2 as tf.Tensor), x1 as tf.Tensor], 3);
  return x.mul(cos).add(rotated.mul(sin)) as tf.Tensor4D;
}
