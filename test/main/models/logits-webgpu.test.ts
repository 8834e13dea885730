/**
 * Every fixture architecture's base-model logits on the webgpu backend (lavapipe where there is no GPU) within 1e-4
 * of transformers', with the matmul epilogues on (the bias, and in a base model's own forward the FFN's GELU, SiLU
 * or ReLU, in the product's dispatch: engine/ops/matmul-epilogue.ts) and off (STUDIO_FUSED_EPILOGUE=0); and the
 * two within 1e-5 of each other relative to the logits' scale (the tiny BERT's logits are ~0.03, too small for the
 * absolute bound alone to notice a wrong activation).
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { loadModel } from '../../../src-main/models/index.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { relErr } from '../../helpers/grad-check.ts';
import { loadReference, maxAbsDiff } from '../../helpers/reference.ts';
import { useWebGpuForTests } from '../../helpers/webgpu.ts';

const unavailable = await useWebGpuForTests();
if (unavailable) console.warn(`webgpu logits tests skipped: ${unavailable}`);

afterEach(() => {
  delete process.env.STUDIO_FUSED_EPILOGUE;
});

const FIXTURES = ['bert-seqcls', 'distilbert-seqcls', 'roberta-seqcls', 'gpt2-lm', 'llama-lm', 'vit-imgcls'];

describe.skipIf(unavailable !== null)('fixture logits on webgpu', () => {
  it.each(FIXTURES)('%s: logits within 1e-4 of transformers, epilogues on and off', async (fixture) => {
    expect(tf.getBackend()).toBe('webgpu');
    const dir = path.join(HF_TINY_DIR, fixture, 'base');
    const ref = loadReference(dir);
    const model = loadModel(dir);
    const before = tf.memory().numTensors;
    const logits = async (epilogues: boolean) => {
      if (!epilogues) process.env.STUDIO_FUSED_EPILOGUE = '0';
      const out = model.forward(ref.inputs, {});
      delete process.env.STUDIO_FUSED_EPILOGUE;
      expect(out.logits.shape).toEqual(ref.logits.shape);
      const values = Array.from(await out.logits.data());
      tf.dispose([
        out.logits,
        ...(out.lastHiddenState ? [out.lastHiddenState] : []),
        ...Object.values(out.extra ?? {}),
      ]);
      return values;
    };
    const on = await logits(true);
    const off = await logits(false);
    expect(maxAbsDiff(on, ref.logits.data, ref.mask)).toBeLessThan(1e-4);
    expect(maxAbsDiff(off, ref.logits.data, ref.mask)).toBeLessThan(1e-4);
    expect(relErr(on, off)).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    ref.dispose();
  });
});
