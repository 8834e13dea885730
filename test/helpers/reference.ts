import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readSafetensors } from '../../src-main/engine/safetensors/index.ts';
import type { ModelInputs } from '../../src-main/models/index.ts';

/** A fixture's reference.safetensors: the model inputs as tensors and the expected outputs as arrays. */
export function loadReference(dir: string): {
  inputs: ModelInputs;
  logits: { data: Float32Array; shape: number[] };
  hidden?: { data: Float32Array; shape: number[] };
  mask?: Int32Array;
  dispose(): void;
} {
  const ref = readSafetensors(path.join(dir, 'reference.safetensors')).tensors;
  const made: tf.Tensor[] = [];
  const t = <T extends tf.Tensor>(name: string): T | undefined => {
    const r = ref.get(name);
    if (!r) return undefined;
    const x = tf.tensor(r.data, r.shape, r.dtype) as T;
    made.push(x);
    return x;
  };
  // CLIP's references name its logits as transformers does (logits_per_image, which is its `logits`).
  const logits = ref.get('logits') ?? ref.get('logits_per_image');
  if (!logits) throw new Error(`${dir}: reference has no logits`);
  const hidden = ref.get('last_hidden_state');
  return {
    inputs: {
      inputIds: t('input_ids'),
      attentionMask: t('attention_mask'),
      tokenTypeIds: t('token_type_ids'),
      pixelValues: t('pixel_values'),
    },
    logits: { data: logits.data as Float32Array, shape: logits.shape },
    hidden: hidden && { data: hidden.data as Float32Array, shape: hidden.shape },
    mask: ref.get('attention_mask')?.data as Int32Array | undefined,
    dispose: () => tf.dispose(made),
  };
}

/**
 * Largest |a - b|, skipping sequence positions whose attention_mask is 0 when the arrays are per token
 * ([batch, seq, ...] with the mask's batch*seq rows).
 */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, mask?: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  const perToken =
    mask && a.length % mask.length === 0 && a.length / mask.length >= 1 && a.length > mask.length;
  const width = perToken ? a.length / (mask as ArrayLike<number>).length : 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    if (perToken && !(mask as ArrayLike<number>)[Math.floor(i / width)]) continue;
    max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  }
  return max;
}
