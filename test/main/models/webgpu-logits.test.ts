/**
 * Every public fixture model on the webgpu backend (lavapipe where no GPU is present): logits within 1e-4 of
 * transformers, as reference-outputs.test.ts checks on wasm, with attention through the fused kernels (no softmax
 * kernel runs) and, with STUDIO_FUSED_ATTENTION=0, through the composed form. Skipped, with the reason, where
 * WebGPU cannot start.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { loadModel } from '../../../src-main/models/index.ts';
import { HF_TINY_DIR, HF_TINY_MODELS } from '../../helpers/fixtures.ts';
import { loadReference, maxAbsDiff } from '../../helpers/reference.ts';
import { useWebGpuForTests } from '../../helpers/webgpu.ts';

const unavailable = await useWebGpuForTests();
if (unavailable) console.warn(`webgpu logits tests skipped: ${unavailable}`);

afterEach(() => {
  delete process.env.STUDIO_FUSED_ATTENTION;
});

describe.skipIf(unavailable !== null)('fixture logits on webgpu', () => {
  it.each(HF_TINY_MODELS.flatMap((m) => [[m, 'fused'] as const, [m, 'composed'] as const]))(
    '%s (%s attention): logits within 1e-4 of the reference',
    async (name, form) => {
      if (form === 'composed') process.env.STUDIO_FUSED_ATTENTION = '0';
      const dir = path.join(HF_TINY_DIR, name, 'base');
      const model = loadModel(dir);
      const ref = loadReference(dir);
      const { result, kernels } = await tf.profile(() => model.forward(ref.inputs).logits);
      const logits = result as tf.Tensor;
      expect(logits.shape).toEqual(ref.logits.shape);
      expect(maxAbsDiff(await logits.data(), ref.logits.data, ref.mask)).toBeLessThanOrEqual(1e-4);
      const softmax = kernels.some((k) => k.name === 'Softmax');
      // ResNet has no attention; every other fixture's attention runs as the form asked for.
      if (name !== 'resnet-imgcls') expect(softmax).toBe(form === 'composed');
      tf.dispose(logits);
      ref.dispose();
      model.dispose();
    },
  );
});
