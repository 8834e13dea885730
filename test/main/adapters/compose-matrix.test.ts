/**
 * The method x architecture matrix for composition (adapters/compose/, adapters/fuse/), on every text architecture:
 * blocks over untrained (identity) bottleneck adapters are the base exactly, AdapterFusion included (its value
 * starts as the identity and fuses identities); a fusion's optimizer step moves only the fusion and its head (the
 * base and the fused adapters stay bit-identical); every block saves and loads exactly. The rows for single methods
 * are in method-matrix.test.ts.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComposeBlock } from '../../../src-shared/compose.ts';
import type { MethodConfig } from '../../../src-shared/train-config.ts';
import {
  accountParams,
  baseIdentity,
  createAdapter,
  loadAdapter,
  saveAdapter,
} from '../../../src-main/adapters/index.ts';
import { repeatInputs } from '../../../src-main/adapters/compose/blocks.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model, ModelInputs } from '../../../src-main/models/index.ts';
import { AdamW } from '../../../src-main/training/adamw.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { composeConfig, leaf, trainedLookingAdapter } from '../../helpers/compose.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { bottleneck16 } from '../../helpers/methods.ts';
import { loadReference, maxAbsDiff } from '../../helpers/reference.ts';
import { tempDir } from '../../helpers/temp.ts';

const TEXT_FIXTURES = ['bert-seqcls', 'distilbert-seqcls', 'roberta-seqcls', 'gpt2-lm', 'llama-lm'];
/** Each block over two of SOURCES (average of weights needs two of one shape). */
const BLOCKS: [string, (batch: number) => ComposeBlock, number[]][] = [
  ['stack', () => ({ block: 'stack', children: [leaf(0), leaf(1)] }), [0, 1]],
  ['parallel', () => ({ block: 'parallel', children: [leaf(0), leaf(1)] }), [0, 1]],
  ['average (outputs)', () => ({ block: 'average', children: [leaf(0), leaf(1)], weights: [2, 1] }), [0, 1]],
  ['average (weights)', () => ({ block: 'average', mode: 'weights', children: [leaf(0), leaf(1)] }), [0, 2]],
  ['batch-split', (b) => ({ block: 'batch-split', children: [leaf(0), leaf(1)], sizes: [1, b - 1] }), [0, 1]],
];
const SOURCES: MethodConfig[] = [bottleneck16('houlsby'), bottleneck16('pfeiffer'), bottleneck16('houlsby')];

const tmp = tempDir('studio-compose-matrix-');
beforeAll(useTestBackend);
afterAll(() => tmp.cleanup());

async function snapshot(model: Model): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const n of model.params.names()) out.set(n, Float32Array.from(await model.params.get(n).data()));
  return out;
}

const logits = (model: Model, inputs: ModelInputs, hooks = {}) =>
  tf.tidy(() => model.forward(inputs, { hooks }).logits);

describe.each(TEXT_FIXTURES)('composition on %s', (fixture) => {
  let model: Model;
  let ref: ReturnType<typeof loadReference>;
  /** Untrained (identity) adapters and trained-looking ones, as folders. */
  const fresh: string[] = [];
  const trained: string[] = [];
  let batch = 0;
  beforeAll(async () => {
    model = loadModel(path.join(HF_TINY_DIR, fixture, 'base'));
    ref = loadReference(path.join(HF_TINY_DIR, fixture, 'base'));
    batch = ref.inputs.inputIds?.shape[0] as number;
    for (const [i, m] of SOURCES.entries()) {
      const a = createAdapter(model, m, i + 1);
      const { type: _t, ...config } = m;
      const dir = path.join(tmp.dir, fixture, `fresh-${i}`);
      await saveAdapter(model, a, { ...config, labels: model.config.labels }, dir, baseIdentity(model));
      a.dispose();
      fresh.push(dir);
      trained.push(await trainedLookingAdapter(model, m, i + 5, path.join(tmp.dir, fixture, `trained-${i}`)));
    }
  });
  afterAll(() => {
    ref.dispose();
    model.dispose();
  });

  it.each(BLOCKS)(
    '%s: the base at init, trains nothing, saves and loads exactly',
    async (name, block, used) => {
      const tree = block(batch);
      const pick = (dirs: string[]) => used.map((i) => dirs[i] as string);
      const times = tree.block === 'parallel' ? tree.children.length : 1;
      const inputs = repeatInputs({ ...ref.inputs }, times);
      const base = logits(model, inputs);
      const identity = createAdapter(model, composeConfig(tree, pick(fresh)), 0);
      expect(accountParams(model, identity).trainable).toBe(0);
      const atInit = logits(model, inputs, identity.hooks);
      expect(maxAbsDiff(await atInit.data(), await base.data())).toBeLessThanOrEqual(1e-5);
      identity.dispose();

      const c = createAdapter(model, composeConfig(tree, pick(trained)), 0);
      const out = logits(model, inputs, c.hooks);
      expect(maxAbsDiff(await out.data(), await base.data())).toBeGreaterThan(1e-4);
      const dir = path.join(tmp.dir, fixture, `saved-${name.replace(/\W/g, '')}`);
      await saveAdapter(model, c, { block: tree, sources: [] }, dir, baseIdentity(model));
      c.dispose();
      const loaded = loadAdapter(model, dir);
      const again = logits(model, inputs, loaded.hooks);
      expect(maxAbsDiff(await again.data(), await out.data())).toBe(0);
      loaded.dispose();
      tf.dispose([base, atInit, out, again]);
      if (times > 1) tf.dispose(Object.values(inputs));
    },
  );

  it('fuse: the base at init over untrained adapters; one step moves only the fusion and its head; exact save/load', async () => {
    const fuse: MethodConfig = { type: 'fuse', adapters: fresh.slice(0, 2) };
    const base = logits(model, ref.inputs);
    const identity = createAdapter(model, fuse, 3);
    const H = model.config.hiddenSize;
    const L = model.config.numLayers;
    // Houlsby + Pfeiffer: fusion after attention and after the FFN of every layer, plus the head.
    const head = [...identity.weights.keys()].filter((n) => !n.startsWith('fusion.'));
    const headScalars = head.reduce((a, n) => a + (identity.weights.get(n) as tf.Variable).size, 0);
    expect(accountParams(model, identity).trainable).toBe(2 * L * (3 * H * H + 2 * H) + headScalars);
    const atInit = logits(model, ref.inputs, identity.hooks);
    expect(maxAbsDiff(await atInit.data(), await base.data())).toBeLessThanOrEqual(1e-5);
    identity.dispose();

    const before = await snapshot(model);
    const adapter = createAdapter(model, { type: 'fuse', adapters: trained.slice(0, 2) }, 4);
    const sourceBefore = await Promise.all(
      [trained[0] as string].map(async (d) => {
        const s = loadAdapter(model, d);
        const v = await Promise.all([...s.weights.values()].map((w) => w.data()));
        s.dispose();
        return v;
      }),
    );
    const trainable = new Map<string, tf.Variable>(adapter.weights);
    const numTensors = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(
      () =>
        tf.tidy(() => {
          const out = model.forward(ref.inputs, { hooks: adapter.hooks, training: true }).logits;
          return out.mul(tf.randomUniform(out.shape, -1, 1, 'float32', 3)).sum() as tf.Scalar;
        }),
      [...trainable.values()],
    );
    const named = new Map([...trainable].map(([n, v]) => [n, grads[v.name] as tf.Tensor]));
    const opt = new AdamW();
    opt.apply(trainable, named, 1e-2);
    tf.dispose([value, ...Object.values(grads)]);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(numTensors);
    const after = await snapshot(model);
    for (const [n, data] of before)
      expect(Buffer.from((after.get(n) as Float32Array).buffer).equals(Buffer.from(data.buffer))).toBe(true);
    const fusedSource = (adapter as unknown as { sources: { weights: Map<string, tf.Variable> }[] })
      .sources[0];
    const now = await Promise.all([...(fusedSource?.weights.values() ?? [])].map((w) => w.data()));
    now.forEach((d, i) => expect(maxAbsDiff(d, sourceBefore[0]?.[i] ?? [])).toBe(0));

    const stepped = logits(model, ref.inputs, adapter.hooks);
    const dir = path.join(tmp.dir, fixture, 'fused');
    await saveAdapter(model, adapter, { adapters: trained.slice(0, 2) }, dir, baseIdentity(model));
    adapter.dispose();
    const loaded = loadAdapter(model, dir);
    const again = logits(model, ref.inputs, loaded.hooks);
    expect(maxAbsDiff(await again.data(), await stepped.data())).toBe(0);
    loaded.dispose();
    tf.dispose([base, atInit, stepped, again]);
  });
});
