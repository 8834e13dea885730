/**
 * Reads many tensors' values back in few reads. On a GPU each read drains the queue and maps a buffer, so a
 * checkpoint that read its ~50 LoRA tensors one by one (weights, AdamW's m and v) waited ~50 round trips; here they
 * are concatenated (flattened, on the device) into reads of at most `maxFloats` values each, so a full
 * fine-tuning checkpoint does not double its memory at once. On the CPU backends a read is a copy already, and
 * concatenating would add one: there each tensor is read alone.
 */
import * as tf from '@tensorflow/tfjs-core';

/** 64 MB of float32 per read. */
const MAX_FLOATS = 1 << 24;

export async function readFloats(
  tensors: readonly tf.Tensor[],
  maxFloats = tf.getBackend() === 'webgpu' ? MAX_FLOATS : 0,
): Promise<Float32Array[]> {
  const out: Float32Array[] = new Array<Float32Array>(tensors.length);
  let i = 0;
  while (i < tensors.length) {
    // A group: consecutive tensors up to maxFloats in all (a bigger tensor is read alone).
    let j = i;
    let floats = 0;
    while (j < tensors.length && (j === i || floats + (tensors[j] as tf.Tensor).size <= maxFloats)) {
      floats += (tensors[j] as tf.Tensor).size;
      j++;
    }
    const group = tensors.slice(i, j);
    if (group.length === 1) {
      out[i] = Float32Array.from((await (group[0] as tf.Tensor).data()) as Float32Array);
    } else {
      const all = tf.tidy(() => tf.concat(group.map((t) => t.cast('float32').reshape([-1]))));
      const values = (await all.data()) as Float32Array;
      all.dispose();
      let offset = 0;
      group.forEach((t, k) => {
        out[i + k] = values.slice(offset, offset + t.size);
        offset += t.size;
      });
    }
    i = j;
  }
  return out;
}
