/**
 * The backward pass that frees as it goes (engine/lean-gradients.ts): the loss and gradients of tf.variableGrads,
 * bit for bit, on the causal-LM stand-ins (LoRA with dropout on, and every weight trained); no tensor left behind;
 * gradient functions that hand back a tensor they were given; and nested gradients, where it defers to tf.js.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../../../src-main/adapters/index.ts';
import { leanVariableGrads } from '../../../src-main/engine/lean-gradients.ts';
import type { Model } from '../../../src-main/models/index.ts';
import { nextTokenLoss } from '../../../src-main/training/next-token-loss.ts';
import { LORA_TARGETS, TINY_SHAPES, randomCausalLm } from '../../bench/causal-shapes.ts';
import { useTestBackend } from '../../helpers/backend.ts';

beforeAll(useTestBackend);

type Grads = (
  f: () => tf.Scalar,
  vars: tf.Variable[],
) => { value: tf.Scalar; grads: Record<string, tf.Tensor> };
const tfGrads: Grads = (f, vars) =>
  tf.variableGrads(f, vars) as { value: tf.Scalar; grads: Record<string, tf.Tensor> };

/** The loss and every gradient, read back; the tensors made are disposed and the count checked. */
async function run(grads: Grads, f: () => tf.Scalar, vars: tf.Variable[]) {
  const before = tf.memory().numTensors;
  const { value, grads: g } = grads(f, vars);
  const out = {
    value: Array.from(await value.data()),
    grads: Object.fromEntries(
      await Promise.all(Object.entries(g).map(async ([k, t]) => [k, Array.from(await t.data())] as const)),
    ),
  };
  tf.dispose([value, ...Object.values(g)]);
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

function lmLoss(model: Model, hooks: object, ids: tf.Tensor2D, seed: number) {
  const [rows, seq] = ids.shape;
  return () =>
    tf.tidy(() => {
      const { logits } = model.forward({ inputIds: ids }, { hooks, training: true, dropoutSeed: seed });
      return nextTokenLoss(logits, ids.slice([0, 1], [rows, seq - 1]), tf.ones([rows, seq - 1]));
    });
}

const idsFor = (vocab: number) =>
  tf.tensor2d(
    Array.from({ length: 2 * 12 }, (_, i) => (i * 37 + 11) % vocab),
    [2, 12],
    'int32',
  );

describe('leanVariableGrads', () => {
  it('equals tf.variableGrads bit for bit: GPT-2 stand-in with LoRA, dropout on', async () => {
    const shape = TINY_SHAPES['gpt2-medium'];
    const model = randomCausalLm(shape);
    const adapter = createAdapter(
      model,
      { type: 'lora', r: 4, alpha: 8, dropout: 0.1, rslora: false, targets: LORA_TARGETS.gpt2 },
      3,
    );
    const ids = idsFor(shape.vocab);
    const vars = [...adapter.weights.values()];
    const loss = lmLoss(model, adapter.hooks, ids, 5);
    const ours = await run(leanVariableGrads, loss, vars);
    const theirs = await run(tfGrads, loss, vars);
    expect(Object.keys(ours.grads).length).toBe(vars.length);
    expect(ours).toEqual(theirs);
    adapter.dispose();
    ids.dispose();
    model.dispose();
  });

  it('equals tf.variableGrads bit for bit: Llama stand-in (grouped-query attention), every weight trained', async () => {
    const shape = TINY_SHAPES['llama-1b'];
    const model = randomCausalLm(shape);
    const adapter = createAdapter(model, { type: 'full' }, 3);
    const ids = idsFor(shape.vocab);
    const vars = [...adapter.weights.values(), ...adapter.baseTrainable.map((n) => model.params.get(n))];
    const loss = lmLoss(model, adapter.hooks, ids, 9);
    const ours = await run(leanVariableGrads, loss, vars);
    const theirs = await run(tfGrads, loss, vars);
    expect(Object.keys(ours.grads).length).toBeGreaterThan(10);
    expect(ours).toEqual(theirs);
    adapter.dispose();
    ids.dispose();
    model.dispose();
  });

  it('keeps a gradient that a gradient function hands back as given (dy for two inputs, dy through a chain)', async () => {
    const a = tf.variable(tf.tensor1d([1, 2, 3]));
    const b = tf.variable(tf.tensor1d([4, 5, 6]));
    // d(a + b) = [dy, dy]: the same tensor for both inputs, and it is the node's own dy.
    const both = tf.customGrad((x, y, save) => {
      (save as tf.GradSaveFunc)([]);
      return { value: (x as tf.Tensor).add(y as tf.Tensor), gradFunc: (dy: tf.Tensor) => [dy, dy] };
    });
    const loss = () => (both(a, b) as tf.Tensor).mul(both(a, a) as tf.Tensor).sum() as tf.Scalar;
    const ours = await run(leanVariableGrads, loss, [a, b]);
    expect(ours).toEqual(await run(tfGrads, loss, [a, b]));
    // (a + b)·2a = 2a² + 2ab: d/da = 4a + 2b, d/db = 2a.
    expect(ours.grads[a.name]).toEqual([12, 18, 24]);
    expect(ours.grads[b.name]).toEqual([2, 4, 6]);
    tf.dispose([a, b]);
  });

  it('inside another gradient computation, defers to tf.js (the outer tape still needs what this one would free)', () => {
    const w = tf.variable(tf.scalar(3));
    const dOuter = tf.grad((x: tf.Tensor) => {
      const { value, grads } = leanVariableGrads(() => x.mul(w).square() as tf.Scalar, [w]);
      const g = grads[w.name] as tf.Tensor;
      value.dispose();
      return g; // d(x·w)²/dw = 2x²w, whose derivative in x is 4xw
    })(tf.scalar(2));
    expect(dOuter.dataSync()[0]).toBe(24);
    tf.dispose([dOuter, w]);
  });
});
