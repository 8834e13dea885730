/**
 * Composition blocks (adapters/compose/) on a tiny BERT: each block's outputs worked out from the single adapters'
 * outputs, save/load exact, no tensors leaked.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComposeBlock } from '../../../src-shared/compose.ts';
import { baseIdentity, createAdapter, loadAdapter, saveAdapter } from '../../../src-main/adapters/index.ts';
import type { AdapterInstance } from '../../../src-main/adapters/index.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model, ModelInputs } from '../../../src-main/models/index.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { composeConfig, leaf, trainedLookingAdapter } from '../../helpers/compose.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { bottleneck16 } from '../../helpers/methods.ts';
import { loadReference, maxAbsDiff } from '../../helpers/reference.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-compose-');
let model: Model;
let ref: ReturnType<typeof loadReference>;
let dirs: string[];
const LORA = { type: 'lora', r: 4, alpha: 8, dropout: 0, rslora: false } as const;

beforeAll(async () => {
  await useTestBackend();
  model = loadModel(path.join(HF_TINY_DIR, 'bert-seqcls', 'base'));
  ref = loadReference(path.join(HF_TINY_DIR, 'bert-seqcls', 'base'));
  dirs = [
    await trainedLookingAdapter(model, bottleneck16('houlsby'), 1, path.join(tmp.dir, 'a')),
    await trainedLookingAdapter(model, bottleneck16('pfeiffer'), 2, path.join(tmp.dir, 'b')),
    await trainedLookingAdapter(model, LORA, 3, path.join(tmp.dir, 'c')),
    await trainedLookingAdapter(model, bottleneck16('houlsby'), 4, path.join(tmp.dir, 'd')),
  ];
});
afterAll(() => {
  ref.dispose();
  model.dispose();
  tmp.cleanup();
});

const logitsOf = (inputs: ModelInputs, hooks = {}) =>
  tf.tidy(() => model.forward(inputs, { hooks }).logits) as tf.Tensor2D;
const rows = async (t: tf.Tensor2D) => (await t.array()) as number[][];
const single = async (i: number, inputs = ref.inputs) => {
  const a = loadAdapter(model, dirs[i] as string);
  const out = logitsOf(inputs, a.hooks);
  a.dispose();
  const r = await rows(out);
  out.dispose();
  return r;
};
const composed = (block: ComposeBlock, used: number[]) =>
  createAdapter(
    model,
    composeConfig(
      block,
      used.map((i) => dirs[i] as string),
    ),
    0,
  );
const batchSize = () => ref.inputs.inputIds?.shape[0] as number;

describe('composition blocks', () => {
  it('parallel: one forward pass over the batch repeated per adapter gives each adapter’s own logits', async () => {
    const { repeatInputs } = await import('../../../src-main/adapters/compose/blocks.ts');
    const c = composed({ block: 'parallel', children: [leaf(0), leaf(1), leaf(2)] }, [0, 1, 2]);
    const before = tf.memory().numTensors;
    const inputs = repeatInputs({ ...ref.inputs }, 3);
    const out = logitsOf(inputs, c.hooks);
    const all = await rows(out);
    tf.dispose([out, ...Object.values(inputs).filter((t, i) => t !== Object.values(ref.inputs)[i])]);
    expect(tf.memory().numTensors).toBe(before);
    const B = batchSize();
    for (let k = 0; k < 3; k++)
      expect(maxAbsDiff(all.slice(k * B, (k + 1) * B).flat(), (await single(k)).flat())).toBeLessThanOrEqual(
        1e-5,
      );
    c.dispose();
  });

  it('batch-split: rows go to the adapters in order', async () => {
    const B = batchSize();
    expect(B).toBeGreaterThanOrEqual(2);
    const c = composed({ block: 'batch-split', children: [leaf(0), leaf(1)], sizes: [1, B - 1] }, [0, 1]);
    const out = logitsOf(ref.inputs, c.hooks);
    const got = await rows(out);
    out.dispose();
    c.dispose();
    const [a, b] = [await single(0), await single(1)];
    expect(maxAbsDiff(got[0] as number[], a[0] as number[])).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(got.slice(1).flat(), b.slice(1).flat())).toBeLessThanOrEqual(1e-5);
    const wrong = composed({ block: 'batch-split', children: [leaf(0), leaf(1)], sizes: [1, B] }, [0, 1]);
    expect(() => logitsOf(ref.inputs, wrong.hooks)).toThrow(/does not split into 1 \+ /);
    wrong.dispose();
  });

  it('average of outputs: weight 1/0 is the first adapter; equal weights differ from both', async () => {
    const onlyFirst = composed({ block: 'average', children: [leaf(0), leaf(1)], weights: [3, 0] }, [0, 1]);
    const out = logitsOf(ref.inputs, onlyFirst.hooks);
    expect(maxAbsDiff(await out.data(), (await single(0)).flat())).toBeLessThanOrEqual(1e-5);
    tf.dispose(out);
    onlyFirst.dispose();
    const even = composed({ block: 'average', children: [leaf(0), leaf(1)] }, [0, 2]);
    const mixed = logitsOf(ref.inputs, even.hooks);
    expect(maxAbsDiff(await mixed.data(), (await single(0)).flat())).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(await mixed.data(), (await single(2)).flat())).toBeGreaterThan(1e-3);
    tf.dispose(mixed);
    even.dispose();
  });

  it('average of weights equals one adapter holding the weighted mean of the tensors', async () => {
    const c = composed(
      { block: 'average', mode: 'weights', children: [leaf(0), leaf(1)], weights: [1, 3] },
      [0, 3],
    );
    const a = loadAdapter(model, dirs[0] as string);
    const d = loadAdapter(model, dirs[3] as string);
    const mean = new Map(
      [...a.weights].map(([n, v]) => [
        n,
        tf.tidy(() => v.mul(0.25).add((d.weights.get(n) as tf.Variable).mul(0.75))),
      ]),
    );
    const dir = path.join(tmp.dir, 'mean');
    const manual: AdapterInstance = {
      ...a,
      weights: new Map(),
      exportWeights: async () => mean,
      hooks: a.hooks,
    };
    await saveAdapter(
      model,
      manual,
      { ...bottleneck16('houlsby'), labels: model.config.labels, task: 'classification' },
      dir,
      baseIdentity(model),
    );
    const m = loadAdapter(model, dir);
    const [x, y] = [logitsOf(ref.inputs, c.hooks), logitsOf(ref.inputs, m.hooks)];
    expect(maxAbsDiff(await x.data(), await y.data())).toBeLessThanOrEqual(1e-6);
    tf.dispose([x, y]);
    for (const t of [a, d, m, c]) t.dispose();
    expect(() =>
      composed({ block: 'average', mode: 'weights', children: [leaf(0), leaf(1)] }, [0, 1]),
    ).toThrow(/differ in shape/);
  });

  it('stack: the second adapter runs on what the first produced, and its head answers', async () => {
    const c = composed({ block: 'stack', children: [leaf(0), leaf(1)] }, [0, 1]);
    const [a, b] = [loadAdapter(model, dirs[0] as string), loadAdapter(model, dirs[1] as string)];
    const byHand = {
      sublayerOutput: (l: number, k: 'attention' | 'ffn', o: tf.Tensor2D, i: tf.Tensor2D) =>
        b.hooks.sublayerOutput?.(l, k, a.hooks.sublayerOutput?.(l, k, o, i) ?? o, i) ?? o,
      linear: b.hooks.linear,
    };
    const [x, y] = [logitsOf(ref.inputs, c.hooks), logitsOf(ref.inputs, byHand)];
    expect(maxAbsDiff(await x.data(), await y.data())).toBe(0);
    expect(maxAbsDiff(await x.data(), (await single(1)).flat())).toBeGreaterThan(1e-3);
    tf.dispose([x, y]);
    for (const t of [a, b, c]) t.dispose();
  });

  it('nests (batch-split of a stack and an average) and saves, loads and answers exactly the same', async () => {
    const B = batchSize();
    const tree: ComposeBlock = {
      block: 'batch-split',
      sizes: [1, B - 1],
      children: [
        { block: 'stack', children: [leaf(0), leaf(2)] },
        { block: 'average', children: [leaf(1), leaf(2)], weights: [0.3, 0.7] },
      ],
    };
    const c = composed(tree, [0, 1, 2]);
    const x = logitsOf(ref.inputs, c.hooks);
    const dir = path.join(tmp.dir, 'nested');
    await saveAdapter(
      model,
      c,
      { block: tree, sources: [], labels: model.config.labels, task: 'classification' },
      dir,
      baseIdentity(model),
    );
    c.dispose();
    const before = tf.memory().numTensors;
    const again = loadAdapter(model, dir);
    const y = logitsOf(ref.inputs, again.hooks);
    expect(maxAbsDiff(await x.data(), await y.data())).toBe(0);
    y.dispose();
    again.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('refuses what cannot compose, in one line', () => {
    expect(() => composed({ block: 'stack', children: [leaf(0), leaf(5)] }, [0, 1])).toThrow(/only 2 source/);
    expect(() =>
      composed(
        { block: 'stack', children: [leaf(0), { block: 'parallel', children: [leaf(1), leaf(0)] }] },
        [0, 1],
      ),
    ).toThrow(/outermost/);
    expect(() => composed({ block: 'stack', children: [leaf(0), leaf(0)] }, [0, 1])).toThrow(/not used/);
  });

  it('fuse starts as (almost) the average of its adapters’ outputs, exactly so with the query at zero', async () => {
    const { averageHooks } = await import('../../../src-main/adapters/compose/blocks.ts');
    const fuse = createAdapter(model, { type: 'fuse', adapters: [dirs[0] as string, dirs[3] as string] }, 9);
    const [a, d] = [loadAdapter(model, dirs[0] as string), loadAdapter(model, dirs[3] as string)];
    const head = fuse.hooks.linear;
    const mean = {
      ...averageHooks(
        [{ sublayerOutput: a.hooks.sublayerOutput }, { sublayerOutput: d.hooks.sublayerOutput }],
        [0.5, 0.5],
      ),
      linear: head,
    };
    const expected = logitsOf(ref.inputs, mean);
    const atInit = logitsOf(ref.inputs, fuse.hooks);
    // Query and key are N(0, 0.02): the attention is near uniform, not exactly.
    const near = maxAbsDiff(await atInit.data(), await expected.data());
    expect(near).toBeLessThanOrEqual(1e-2);
    for (const [n, v] of fuse.weights) if (/\.query\.weight$/.test(n)) v.assign(tf.zerosLike(v));
    const uniform = logitsOf(ref.inputs, fuse.hooks);
    // The value starts as the identity with 1e-6 off the diagonal, as AdapterHub's.
    expect(maxAbsDiff(await uniform.data(), await expected.data())).toBeLessThanOrEqual(1e-4);
    tf.dispose([expected, atInit, uniform]);
    for (const t of [a, d, fuse]) t.dispose();
  });

  it('fuse refuses adapters that are not bottleneck adapters', () => {
    expect(() =>
      createAdapter(model, { type: 'fuse', adapters: [dirs[0] as string, dirs[2] as string] }, 1),
    ).toThrow(/lora adapter; AdapterFusion fuses bottleneck adapters/);
    expect(() => createAdapter(model, { type: 'fuse', adapters: [3, 4] }, 1)).toThrow(
      /give the adapter's folder/,
    );
  });
});
