/**
 * The router's `layers` mode (X-LoRA style, adapters/router/layers.ts) on every text architecture the hard and soft
 * router support (BERT, DistilBERT, RoBERTa, and Llama loaded as a classifier): the gate's shape and per-layer
 * softmax (top-k included), a training step through its two-pass `trainForward` that moves only the gate (base and
 * adapters bit-identical), over identity adapters the base's own answer, a gate that picks one adapter everywhere
 * answering exactly as that adapter alone, an exact save/load and no leaked tensors. A causal LM loaded for its LM
 * head (GPT-2 has no classifier here) is refused in one line.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodConfig } from '../../../src-shared/train-config.ts';
import {
  accountParams,
  baseIdentity,
  createAdapter,
  loadAdapter,
  saveAdapter,
} from '../../../src-main/adapters/index.ts';
import type { RouterAdapter } from '../../../src-main/adapters/router/index.ts';
import { gateWeights, layerOf } from '../../../src-main/adapters/router/layers.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model } from '../../../src-main/models/index.ts';
import { AdamW } from '../../../src-main/training/adamw.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { trainedLookingAdapter } from '../../helpers/compose.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { bottleneck16 } from '../../helpers/methods.ts';
import type { loadReference } from '../../helpers/reference.ts';
import { maxAbsDiff } from '../../helpers/reference.ts';
import {
  ROUTER_LABELS as LABELS,
  ROUTER_TEXT_FIXTURES,
  loadRouterFixture,
} from '../../helpers/router-fixture.ts';
import { tempDir } from '../../helpers/temp.ts';

/** The union in the order a dataset sorts its labels (the layers router's class order). */
const UNION = ['female', 'other', 'spam'];

const tmp = tempDir('studio-router-layers-');
beforeAll(useTestBackend);
afterAll(() => tmp.cleanup());

const layers = (adapters: string[], topK?: number): MethodConfig => ({
  type: 'router',
  adapters,
  mode: 'layers',
  perTask: 600,
  ...(topK ? { topK } : {}),
});

async function snapshot(model: Model): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const n of model.params.names()) out.set(n, Float32Array.from(await model.params.get(n).data()));
  return out;
}

describe('gate weights', () => {
  it('are a softmax over the adapters per slot, [rows, slots, N]; top-k leaves the rest at 0', () => {
    const logits = tf.tensor2d([[1, 2, 3, 0, 0, 0, -1, 5, 2, 0.5, 0.5, 4]]);
    const w = gateWeights(logits, 4, 3);
    expect(w.shape).toEqual([1, 4, 3]);
    const rows = w.arraySync()[0] as number[][];
    for (const slot of rows) expect(slot.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(rows[1]).toEqual([1 / 3, 1 / 3, 1 / 3].map((x) => expect.closeTo(x, 6)));
    const top = gateWeights(logits, 4, 3, 2).arraySync()[0] as number[][];
    expect(top[0]?.[0]).toBe(0);
    expect(top[2]?.[0]).toBe(0);
    expect(top[3]?.[2]).toBeGreaterThan(0.9);
    for (const slot of top) expect(slot.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    tf.dispose([logits, w]);
  });

  it('reads the layer of every architecture’s module names', () => {
    expect(layerOf('bert.encoder.layer.3.attention.self.query')).toBe(3);
    expect(layerOf('model.layers.11.mlp.up_proj')).toBe(11);
    expect(layerOf('transformer.h.2.attn.c_attn')).toBe(2);
    expect(layerOf('distilbert.transformer.layer.5.ffn.lin1')).toBe(5);
    expect(layerOf('classifier')).toBeNull();
    expect(layerOf('bert.pooler.dense')).toBeNull();
  });
});

/** Softmax of a router's answer; the answer is disposed. */
function softmaxOf(answer: tf.Tensor2D): tf.Tensor2D {
  const p = tf.softmax(answer);
  answer.dispose();
  return p;
}

describe.each(ROUTER_TEXT_FIXTURES)('layers router on %s', (fixture) => {
  let model: Model;
  let ref: ReturnType<typeof loadReference>;
  let sources: string[] = [];
  beforeAll(async () => {
    ({ model, ref, sources } = await loadRouterFixture(fixture, tmp.dir));
  });
  afterAll(() => {
    ref.dispose();
    model.dispose();
  });

  it('has a gate per (layer + answer, adapter); a training step moves only the gate', async () => {
    const router = createAdapter(model, layers(sources), 3, { numLabels: 3 }) as RouterAdapter;
    expect(router.labels).toEqual(UNION);
    const rows = ref.inputs.inputIds?.shape[0] as number;
    const g = router.gates(model, ref.inputs);
    expect(g.shape).toEqual([rows, model.config.numLayers + 1, 2]);
    g.dispose();
    const head = [...router.weights.values()];
    expect(accountParams(model, router).trainable).toBe(head.reduce((a, w) => a + w.size, 0));
    const before = await snapshot(model);
    const srcBefore = await Promise.all(
      router.sources.flatMap((s) => [...s.weights.values()].map((w) => w.data())),
    );
    const gateBefore = await Promise.all(head.map((w) => w.data()));
    const forward = router.trainForward;
    if (!forward) throw new Error('a layers router trains through trainForward');
    const { value, grads } = tf.variableGrads(
      () =>
        tf.tidy(() => {
          const o = forward(model, ref.inputs, { training: true, dropoutSeed: 1 });
          expect(o.shape).toEqual([rows, 3]);
          return tf.losses.softmaxCrossEntropy(
            tf.oneHot(
              tf.tensor1d(
                Array.from({ length: rows }, (_, r) => (r % 2 === 0 ? 2 : 0)),
                'int32',
              ),
              3,
            ),
            o,
          ) as tf.Scalar;
        }),
      head,
    );
    const opt = new AdamW();
    opt.apply(
      new Map(router.weights),
      new Map([...router.weights].map(([n, v]) => [n, grads[v.name] as tf.Tensor])),
      1e-2,
    );
    tf.dispose([value, ...Object.values(grads)]);
    opt.dispose();
    const after = await snapshot(model);
    for (const [n, data] of before)
      expect(Buffer.from((after.get(n) as Float32Array).buffer).equals(Buffer.from(data.buffer))).toBe(true);
    const srcAfter = await Promise.all(
      router.sources.flatMap((s) => [...s.weights.values()].map((w) => w.data())),
    );
    srcAfter.forEach((d, i) => expect(maxAbsDiff(d, srcBefore[i] ?? [])).toBe(0));
    const gateAfter = await Promise.all(head.map((w) => w.data()));
    expect(Math.max(...gateAfter.map((d, i) => maxAbsDiff(d, gateBefore[i] ?? [])))).toBeGreaterThan(0);
    router.dispose();
  });

  it('over identity adapters answers as the base; a gate on one adapter everywhere answers as it alone', async () => {
    // Identity (fresh) adapters with the base's own head: every delta is zero, every head the base's.
    const ids: string[] = [];
    for (const i of [0, 1]) {
      const dir = path.join(tmp.dir, fixture, `identity-${i}`);
      const a = createAdapter(model, bottleneck16('pfeiffer'), i + 1);
      await saveAdapter(
        model,
        a,
        { task: 'classification', labels: model.config.labels },
        dir,
        baseIdentity(model),
      );
      a.dispose();
      ids.push(dir);
    }
    const idRouter = createAdapter(model, layers(ids), 2) as RouterAdapter;
    const base = tf.tidy(() => tf.softmax(model.forward(ref.inputs).logits));
    const mixed = softmaxOf(await idRouter.forward(model, ref.inputs));
    // The union of one label set, sorted: compare by label.
    const order = model.config.labels.map((l) => idRouter.labels.indexOf(l));
    const m = mixed.arraySync() as number[][];
    (base.arraySync() as number[][]).forEach((row, r) =>
      row.forEach((p, c) => expect(m[r]?.[order[c] as number]).toBeCloseTo(p, 6)),
    );
    tf.dispose([base, mixed]);
    idRouter.dispose();

    // Gate bias +30 on adapter 1 at every slot: its weight is 1 to float precision everywhere.
    const router = createAdapter(model, layers(sources), 4, { numLabels: 3 }) as RouterAdapter;
    for (const [n, v] of router.weights)
      if (v.shape.length === 1 && v.shape[0] === (model.config.numLayers + 1) * 2 && n.endsWith('bias'))
        v.assign(tf.tensor1d(Array.from({ length: v.size }, (_, i) => (i % 2 === 1 ? 30 : 0))));
    for (const [n, v] of router.weights)
      if (v.shape.length === 2 && v.shape[1] === (model.config.numLayers + 1) * 2 && n.endsWith('weight'))
        v.assign(tf.zerosLike(v));
    const alone = loadAdapter(model, sources[1] as string);
    const own = tf.tidy(() => tf.softmax(model.forward(ref.inputs, { hooks: alone.hooks }).logits));
    const answer = softmaxOf(await router.forward(model, ref.inputs));
    const a = answer.arraySync() as number[][];
    (own.arraySync() as number[][]).forEach((row, r) =>
      row.forEach((p, c) => expect(a[r]?.[UNION.indexOf(LABELS[1]?.[c] as string)]).toBeCloseTo(p, 5)),
    );
    expect(
      (await router.layerWeights(model, ref.inputs))[0]?.every((slot) => (slot[1] as number) > 0.999999),
    ).toBe(true);
    tf.dispose([own, answer]);
    alone.dispose();
    router.dispose();
  });

  it('leaks no tensors through create, both passes, a gradient, the weights table and dispose', async () => {
    const before = tf.memory().numTensors;
    const router = createAdapter(model, layers(sources, 1), 9, { numLabels: 3 }) as RouterAdapter;
    const forward = router.trainForward;
    if (!forward) throw new Error('a layers router trains through trainForward');
    const { value, grads } = tf.variableGrads(
      () => tf.tidy(() => forward(model, ref.inputs, { training: true, dropoutSeed: 2 }).sum() as tf.Scalar),
      [...router.weights.values()],
    );
    tf.dispose([value, ...Object.values(grads)]);
    tf.dispose(await router.forward(model, ref.inputs));
    await router.layerWeights(model, ref.inputs);
    await router.routing(model, ref.inputs);
    router.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('LoRA adapters (deltas on linear layers): a gate on one adapter everywhere answers as it alone', async () => {
    const lora: MethodConfig = { type: 'lora', r: 4, alpha: 8, dropout: 0, rslora: false };
    const dirs: string[] = [];
    for (const [i, labels] of LABELS.entries())
      dirs.push(
        await trainedLookingAdapter(model, lora, i + 21, path.join(tmp.dir, fixture, `lora-${i}`), labels),
      );
    for (const pick of [0, 1]) {
      const router = createAdapter(model, layers(dirs), 5, { numLabels: 3 }) as RouterAdapter;
      const gates = (model.config.numLayers + 1) * 2;
      for (const [n, v] of router.weights)
        if (v.shape.at(-1) === gates)
          v.assign(
            n.endsWith('bias')
              ? tf.tensor1d(Array.from({ length: gates }, (_, i) => (i % 2 === pick ? 40 : 0)))
              : tf.zerosLike(v),
          );
      const alone = loadAdapter(model, dirs[pick] as string);
      const own = tf.tidy(() => tf.softmax(model.forward(ref.inputs, { hooks: alone.hooks }).logits));
      const answer = softmaxOf(await router.forward(model, ref.inputs));
      const a = answer.arraySync() as number[][];
      (own.arraySync() as number[][]).forEach((row, r) =>
        row.forEach((p, c) => expect(a[r]?.[UNION.indexOf(LABELS[pick]?.[c] as string)]).toBeCloseTo(p, 5)),
      );
      tf.dispose([own, answer]);
      alone.dispose();
      router.dispose();
    }
  });

  it.each([undefined, 1])(
    'topK %s: saves and loads exactly (answers and per-layer weights)',
    async (topK) => {
      const router = createAdapter(model, layers(sources, topK), 7, { numLabels: 3 }) as RouterAdapter;
      let s = 11;
      for (const v of router.weights.values())
        v.assign(tf.tidy(() => v.add(tf.randomNormal(v.shape, 0, 0.5, 'float32', s++))));
      const out = await router.forward(model, ref.inputs);
      const weights = await router.layerWeights(model, ref.inputs);
      const dir = path.join(tmp.dir, fixture, `saved-${topK ?? 'all'}`);
      await saveAdapter(
        model,
        router,
        {
          adapters: sources,
          mode: 'layers',
          perTask: 600,
          ...(topK ? { topK } : {}),
          routes: ['01 #1 spam adapter', '02 #2 names adapter'],
          task: 'classification',
          labels: UNION,
        },
        dir,
        baseIdentity(model),
      );
      router.dispose();
      const loaded = loadAdapter(model, dir) as RouterAdapter;
      expect(loaded.mode).toBe('layers');
      expect(loaded.labels).toEqual(UNION);
      expect(loaded.recipe.map((r) => r.name)).toEqual(['#1 spam adapter', '#2 names adapter']);
      const again = await loaded.forward(model, ref.inputs);
      expect(maxAbsDiff(await again.data(), await out.data())).toBe(0);
      expect(await loaded.layerWeights(model, ref.inputs)).toEqual(weights);
      if (topK === 1) for (const slot of weights[0] ?? []) expect(slot.filter((x) => x > 0)).toHaveLength(1);
      loaded.dispose();
      tf.dispose([out, again]);
    },
  );
});

describe.each(['gpt2-lm', 'llama-lm'])('layers router on %s loaded for its LM head', (fixture) => {
  it('is refused in one line (no classifier head to mix the answers at)', async () => {
    const dir = path.join(HF_TINY_DIR, fixture, 'base');
    // Adapters trained where the base is a classifier (Llama), or none at all (GPT-2 has no classifier here).
    const classifier =
      fixture === 'llama-lm' ? loadModel(dir, { task: 'sequence-classification', labels: ['a', 'b'] }) : null;
    const dirs: string[] = [];
    if (classifier)
      for (const [i, labels] of LABELS.entries())
        dirs.push(
          await trainedLookingAdapter(
            classifier,
            bottleneck16('pfeiffer'),
            i + 1,
            path.join(tmp.dir, `${fixture}-lm`, `s${i}`),
            labels,
          ),
        );
    classifier?.dispose();
    const model = loadModel(dir);
    if (dirs.length === 0)
      for (const i of [0, 1]) {
        const out = path.join(tmp.dir, `${fixture}-lm`, `lm-${i}`);
        const a = createAdapter(model, bottleneck16('pfeiffer'), i + 1);
        await saveAdapter(model, a, { task: 'causal-lm', labels: [] }, out, baseIdentity(model));
        a.dispose();
        dirs.push(out);
      }
    const before = tf.memory().numTensors;
    expect(() => createAdapter(model, layers(dirs), 1, { numLabels: 3 })).toThrow(
      fixture === 'gpt2-lm'
        ? /^router: source 0 .* is not a classifier with labels/
        : /^router \(layers\) mixes the adapters' answers at a sequence classifier's head; this llama is loaded for causal-lm and has none$/,
    );
    // The adapters it loaded before refusing are disposed.
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
