import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model } from '../../../src-main/models/index.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR, HF_TINY_MODELS } from '../../helpers/fixtures.ts';
import { loadReference, maxAbsDiff } from '../../helpers/reference.ts';

beforeAll(useTestBackend);

/** Hidden states are a debugging aid (FIXTURES.md); ViT's and ResNet's are compared too since they are exact here. */
describe.each(HF_TINY_MODELS)('%s matches transformers', (name) => {
  let model: Model;
  const dir = path.join(HF_TINY_DIR, name, 'base');
  beforeAll(() => {
    model = loadModel(dir);
  });
  afterAll(() => model.dispose());

  it('logits within 1e-4 of the reference (LM logits where attention_mask is 1)', async () => {
    const ref = loadReference(dir);
    const out = model.forward(ref.inputs);
    expect(out.logits.shape).toEqual(ref.logits.shape);
    expect(maxAbsDiff(await out.logits.data(), ref.logits.data, ref.mask)).toBeLessThanOrEqual(1e-4);
    if (ref.hidden && out.lastHiddenState) {
      expect(out.lastHiddenState.shape).toEqual(ref.hidden.shape);
      expect(maxAbsDiff(await out.lastHiddenState.data(), ref.hidden.data, ref.mask)).toBeLessThanOrEqual(
        1e-4,
      );
    }
    tf.dispose([out.logits, out.lastHiddenState]);
    ref.dispose();
  });

  it('a forward pass adds only its outputs to tf.memory().numTensors (no tidy needed by the caller)', () => {
    const ref = loadReference(dir);
    const before = tf.memory().numTensors;
    for (const training of [false, true]) {
      const out = model.forward(ref.inputs, { training, dropoutSeed: 3 });
      const outputs = new Set([out.logits, out.lastHiddenState].filter((t) => t !== undefined));
      expect(tf.memory().numTensors).toBe(before + outputs.size);
      tf.dispose([...outputs]);
      expect(tf.memory().numTensors).toBe(before);
    }
    ref.dispose();
  });

  it('reports no unexpected weights in the reference file', () => {
    expect(model.params.unexpected).toEqual([]);
  });
});
