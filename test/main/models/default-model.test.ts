/**
 * The bundled default base model (models/studio-bert-small, pretrained by tools/default-model/make_default_model.py):
 * it loads, tokenizes, and fills masks as transformers did right after pretraining (top-1 tokens printed by the
 * script with transformers 5.17 on the H200, in the model card).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelInfo } from '../../../src-main/models/info.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import { loadTokenizer } from '../../../src-main/models/tokenizer/index.ts';
import { resolveModelDir } from '../../../src-main/training/prepare.ts';
import { useTestBackend } from '../../helpers/backend.ts';

beforeAll(useTestBackend);

describe('the bundled default base model', () => {
  const dir = resolveModelDir('default');

  it('is a small BERT with its own WordPiece tokenizer', () => {
    const info = modelInfo(dir);
    expect(info.architecture).toBe('bert');
    expect(info.layers).toBe(4);
    expect(info.hiddenSize).toBe(256);
    expect(info.tokenizer).not.toBeNull();
    expect(info.parameters).toBeGreaterThan(5_000_000);
  });

  it.each([
    ['call me [MASK].', '.'],
    ['the whale swam in the [MASK].', 'whale'],
    ['click here to [MASK] your free offer', 'get'],
  ])('fills the mask of "%s" with "%s" as transformers does', (text, expected) => {
    const model = loadModel(dir);
    const tok = loadTokenizer(dir);
    const enc = tok.encode(text);
    const pos = enc.tokens.indexOf('[MASK]');
    const before = tf.memory().numTensors;
    const top = tf.tidy(() => {
      const out = model.forward({
        inputIds: tf.tensor2d([enc.ids], [1, enc.ids.length], 'int32'),
        attentionMask: tf.ones([1, enc.ids.length], 'int32') as tf.Tensor2D,
        tokenTypeIds: tf.zeros([1, enc.ids.length], 'int32') as tf.Tensor2D,
      });
      return out.logits.gather([0]).reshape([enc.ids.length, -1]).gather([pos]).argMax(-1);
    });
    const id = (top.dataSync() as Int32Array)[0] as number;
    top.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(tok.decode([id])).toBe(expected);
    model.dispose();
  });
});
