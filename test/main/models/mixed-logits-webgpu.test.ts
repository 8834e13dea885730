/**
 * Every public fixture model's logits on webgpu with mixed precision on (engine/webgpu/mixed-precision.ts: f16
 * operands, f32 sums in every product) against transformers' fp32 logits: within MIXED_LOGITS_TOLERANCE of the
 * logits' own scale (the bound docs/MIXED-PRECISION.md states), and not equal to the fp32 forward's (the products
 * really ran in f16). Lavapipe where no GPU is present; skipped, with the reason, where WebGPU cannot start.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { mixedProductCount, setMixedPrecision } from '../../../src-main/engine/webgpu/mixed-precision.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import { MIXED_LOGITS_TOLERANCE } from '../../../src-main/engine/webgpu/mixed-matmul.ts';
import { HF_TINY_DIR, HF_TINY_MODELS } from '../../helpers/fixtures.ts';
import { loadReference, maxAbsDiff } from '../../helpers/reference.ts';
import { useWebGpuForTests } from '../../helpers/webgpu.ts';

const unavailable = await useWebGpuForTests();
if (unavailable) console.warn(`mixed-precision logits tests skipped: ${unavailable}`);

afterEach(() => {
  if (!unavailable) setMixedPrecision(false);
});

describe.skipIf(unavailable !== null)('fixture logits on webgpu with mixed precision', () => {
  it.each(HF_TINY_MODELS)('%s: within the documented tolerance of transformers fp32', async (name) => {
    const dir = path.join(HF_TINY_DIR, name, 'base');
    const model = loadModel(dir);
    const ref = loadReference(dir);
    const fp32 = model.forward(ref.inputs).logits;
    setMixedPrecision(true);
    const mixed = model.forward(ref.inputs).logits;
    expect(mixedProductCount()).toBeGreaterThan(0);
    const want = ref.logits.data;
    let scale = 0;
    for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i] as number));
    const diff = maxAbsDiff(await mixed.data(), want, ref.mask);
    expect(diff / scale).toBeLessThanOrEqual(MIXED_LOGITS_TOLERANCE);
    expect(maxAbsDiff(await mixed.data(), await fp32.data(), ref.mask)).toBeGreaterThan(0);
    tf.dispose([fp32, mixed]);
    ref.dispose();
    model.dispose();
  });
});
