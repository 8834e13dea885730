/**
 * The step the causal bench times (bench-step.ts with `lm`): the training loop's next-token loss on a tiny GPT-2
 * stand-in; one eager step moves LoRA's B (zero at init) and disposing the step frees all it made.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestBackend } from '../helpers/backend.ts';
import { benchStep } from './bench-step.ts';
import { LORA_TARGETS, TINY_SHAPES, randomCausalLm } from './causal-shapes.ts';

beforeAll(useTestBackend);

describe('benchStep on a causal LM', () => {
  it('trains LoRA on next-token prediction and leaves no tensor behind', async () => {
    const shape = TINY_SHAPES['gpt2-small'];
    const model = randomCausalLm(shape);
    const before = tf.memory().numTensors;
    const ids = tf.tensor2d(
      Array.from({ length: 2 * 8 }, (_, i) => (i * 37) % shape.vocab),
      [2, 8],
      'int32',
    );
    const method = { type: 'lora' as const, r: 4, alpha: 8, dropout: 0, rslora: false };
    const bench = benchStep(model, { ...method, targets: LORA_TARGETS.gpt2 }, { inputIds: ids }, 2, {
      lm: true,
    });
    const bs = [...bench.adapter.weights].filter(([name]) => name.includes('lora_B'));
    expect(bs.length).toBeGreaterThan(0);
    for (const [, b] of bs) expect(Math.max(...(await b.data()).map(Math.abs))).toBe(0);
    await bench.eager();
    await bench.eager();
    for (const [, b] of bs) expect(Math.max(...(await b.data()).map(Math.abs))).toBeGreaterThan(0);
    bench.dispose();
    ids.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
