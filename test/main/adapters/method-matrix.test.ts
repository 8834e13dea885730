/**
 * The method x architecture matrix (PEFT's TEST_CASES): every row runs the same checks. Adding a method or an
 * architecture = adding rows here.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodConfig } from '../../../src-shared/train-config.ts';
import {
  accountParams,
  createAdapter,
  loadAdapter,
  saveAdapter,
  baseIdentity,
} from '../../../src-main/adapters/index.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model, ModelInputs } from '../../../src-main/models/index.ts';
import { AdamW } from '../../../src-main/training/adamw.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { CLIP_FIXTURE_DIR } from '../../helpers/clip-folder.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { loadReference, maxAbsDiff } from '../../helpers/reference.ts';
import { bottleneck16 } from '../../helpers/methods.ts';
import { tempDir } from '../../helpers/temp.ts';

type Case = [string, string, MethodConfig, (m: Model) => number];

const H = (m: Model) => m.config.hiddenSize;
const headSize = (m: Model) =>
  m.params
    .names()
    .filter((n) => m.config.headModules.some((h) => n.startsWith(`${h}.`)))
    .reduce((a, n) => a + m.params.get(n).size, 0);
const bottleneck = (positions: number, rf: number) => (m: Model) => {
  const b = Math.floor(H(m) / rf);
  return m.config.numLayers * positions * (2 * H(m) * b + b + H(m)) + headSize(m);
};
/** r * (in + out) per targeted linear layer (q and v here, or the fused c_attn of GPT-2). */
const loraLinear = (r: number, shapes: (m: Model) => [number, number][]) => (m: Model) =>
  shapes(m).reduce((a, [i, o]) => a + r * (i + o), 0) * m.config.numLayers + headSize(m);
/** LoRA's count plus the magnitude vector (one scalar per output feature) of each target. */
const doraLinear = (r: number, shapes: (m: Model) => [number, number][]) => (m: Model) =>
  loraLinear(r, shapes)(m) + shapes(m).reduce((a, [, o]) => a + o, 0) * m.config.numLayers;
/** VeRA: out + r per targeted layer. */
const veraLinear = (r: number, shapes: (m: Model) => [number, number][]) => (m: Model) =>
  shapes(m).reduce((a, [, o]) => a + o + r, 0) * m.config.numLayers + headSize(m);
/** Bottleneck modules over every numbered layer at its own width (CLIP: the text tower's layers, then the vision's). */
const bottleneckPerLayer = (positions: number, rf: number) => (m: Model) =>
  (m.config.sublayerWidths ?? []).reduce((a, w) => {
    const b = Math.floor(w / rf);
    return a + positions * (2 * w * b + b + w);
  }, 0) + headSize(m);
const qv = (m: Model): [number, number][] => [
  [H(m), H(m)],
  [H(m), H(m)],
];

const kAdapter = (
  layers: number[],
  adapterSize: number,
  transformerLayers: number,
  heads: number,
): MethodConfig => ({
  type: 'k-adapter',
  layers,
  adapterSize,
  transformerLayers,
  heads,
});
const kAdapterCount = (k: number, w: number, n: number) => (m: Model) =>
  k * (2 * H(m) * w + w + H(m) + n * (12 * w * w + 13 * w)) +
  2 * H(m) * H(m) +
  H(m) +
  (H(m) + 1) * m.config.labels.length;

const CASES: Case[] = [
  ['bottleneck houlsby sequential', 'bert-seqcls', bottleneck16('houlsby'), bottleneck(2, 16)],
  // Inside both towers: texts and images in one pass, the sub-layer hook numbering the two towers' layers apart.
  ['bottleneck houlsby in both CLIP towers', 'clip', bottleneck16('houlsby'), bottleneckPerLayer(2, 16)],
  [
    'bottleneck pfeiffer parallel',
    'gpt2-lm',
    {
      type: 'bottleneck',
      variant: 'pfeiffer',
      placement: 'parallel',
      activation: 'gelu',
      scaling: 2,
      reductionFactor: 8,
    },
    bottleneck(1, 8),
  ],
  [
    'bottleneck pfeiffer',
    'llama-lm',
    {
      type: 'bottleneck',
      variant: 'pfeiffer',
      placement: 'sequential',
      activation: 'silu',
      scaling: 1,
      reductionFactor: 16,
    },
    bottleneck(1, 16),
  ],
  [
    'bottleneck houlsby',
    'vit-imgcls',
    {
      type: 'bottleneck',
      variant: 'houlsby',
      placement: 'sequential',
      activation: 'gelu',
      scaling: 1,
      reductionFactor: 16,
    },
    bottleneck(2, 16),
  ],
  ['lora', 'bert-seqcls', { type: 'lora', r: 4, alpha: 8, dropout: 0, rslora: false }, loraLinear(4, qv)],
  [
    'lora rslora',
    'distilbert-seqcls',
    { type: 'lora', r: 2, alpha: 4, dropout: 0, rslora: true },
    loraLinear(2, qv),
  ],
  ['lora', 'roberta-seqcls', { type: 'lora', r: 4, alpha: 8, dropout: 0, rslora: false }, loraLinear(4, qv)],
  [
    'lora (Conv1D)',
    'gpt2-lm',
    { type: 'lora', r: 4, alpha: 8, dropout: 0, rslora: false },
    loraLinear(4, (m) => [[H(m), 3 * H(m)]]),
  ],
  [
    'lora (GQA)',
    'llama-lm',
    { type: 'lora', r: 4, alpha: 8, dropout: 0, rslora: false },
    loraLinear(4, (m) => [
      [H(m), H(m)],
      [H(m), H(m) / 2],
    ]),
  ],
  ['lora', 'vit-imgcls', { type: 'lora', r: 4, alpha: 8, dropout: 0, rslora: false }, loraLinear(4, qv)],
  [
    'lora (Conv2d)',
    'resnet-imgcls',
    { type: 'lora', r: 2, alpha: 4, dropout: 0, rslora: false, targets: ['layer.0.convolution'] },
    // A: r x in x 3 x 3, B: out x r, for the first conv of each of the two blocks (16->16, 16->32).
    (m) => 2 * (16 * 9) + 16 * 2 + 2 * (16 * 9) + 32 * 2 + headSize(m),
  ],
  // key and value scale outputs (H each); attention.output.dense and output.dense scale inputs (H and ffn).
  // DoRA: LoRA's A and B plus a magnitude per output feature of each target.
  ['dora', 'bert-seqcls', { type: 'dora', r: 4, alpha: 8, dropout: 0, rslora: false }, doraLinear(4, qv)],
  [
    'dora (Conv1D)',
    'gpt2-lm',
    { type: 'dora', r: 4, alpha: 8, dropout: 0, rslora: false },
    doraLinear(4, (m) => [[H(m), 3 * H(m)]]),
  ],
  [
    'dora (GQA)',
    'llama-lm',
    { type: 'dora', r: 2, alpha: 4, dropout: 0, rslora: true },
    doraLinear(2, (m) => [
      [H(m), H(m)],
      [H(m), H(m) / 2],
    ]),
  ],
  // VeRA: λb (one per output) and λd (one per rank) per target; the shared projections are frozen.
  ['vera', 'bert-seqcls', { type: 'vera', r: 16, dInitial: 0.1, dropout: 0 }, veraLinear(16, qv)],
  [
    'vera (Conv1D)',
    'gpt2-lm',
    { type: 'vera', r: 8, dInitial: 0.1, dropout: 0 },
    veraLinear(8, (m) => [[H(m), 3 * H(m)]]),
  ],
  [
    'vera (GQA: sliced projections)',
    'llama-lm',
    { type: 'vera', r: 8, dInitial: 0.5, dropout: 0 },
    veraLinear(8, (m) => [
      [H(m), H(m)],
      [H(m), H(m) / 2],
    ]),
  ],
  ['ia3', 'bert-seqcls', { type: 'ia3' }, (m) => m.config.numLayers * (3 * H(m) + 128) + headSize(m)],
  ['ia3', 'llama-lm', { type: 'ia3' }, (m) => m.config.numLayers * (H(m) / 2 + H(m) / 2 + 128)],
  ['prompt', 'bert-seqcls', { type: 'prompt', virtualTokens: 5 }, (m) => 5 * H(m) + headSize(m)],
  ['prompt', 'gpt2-lm', { type: 'prompt', virtualTokens: 3 }, (m) => 3 * H(m)],
  // CLIP's text tower (CoOp-style context before each text); the fixture's 12 ids leave room for 4 of its 16 positions.
  ['prompt (CLIP text tower)', 'clip', { type: 'prompt', virtualTokens: 4 }, (m) => 4 * H(m)],
  // Both towers' q_proj and v_proj (H is the text tower's width; the fixture's towers are both 32 wide).
  [
    'lora (CLIP, both towers)',
    'clip',
    { type: 'lora', r: 4, alpha: 8, dropout: 0, rslora: false },
    (m) => 2 * loraLinear(4, qv)(m),
  ],
  [
    'prefix',
    'bert-seqcls',
    { type: 'prefix', prefixLength: 4 },
    (m) => 4 * H(m) + H(m) * H(m) + H(m) + m.config.numLayers * (H(m) * 2 * H(m) + 2 * H(m)) + headSize(m),
  ],
  [
    'prefix (GQA)',
    'llama-lm',
    { type: 'prefix', prefixLength: 3, projectionSize: 16 },
    (m) => 3 * H(m) + H(m) * 16 + 16 + m.config.numLayers * (16 * 2 * 32 + 2 * 32),
  ],
  [
    'conv (Conv-Adapter)',
    'resnet-imgcls',
    { type: 'conv', reductionFactor: 4 },
    // Per block: depthwise 3x3xC_in, down C_in x C_out/4, up C_out/4 x C_out; blocks 16->16 and 16->32.
    (m) => 9 * 16 + 16 * 4 + 4 * 16 + (9 * 16 + 16 * 8 + 8 * 32) + headSize(m),
  ],
  [
    'st-adapter (video)',
    'vit-imgcls',
    { type: 'st-adapter', reductionFactor: 4, temporalKernel: 3, spatialKernel: 1, activation: 'none' },
    // Per layer: down H x b + b, depthwise 3x1x1 kernel 3b + b, up b x H + H (b = H / 4).
    (m) => {
      const b = H(m) / 4;
      return m.config.numLayers * (H(m) * b + b + 3 * b + b + b * H(m) + H(m)) + headSize(m);
    },
  ],
  // K-Adapter: per adapter layer down (H x w + w), up (w x H + H) and N transformer layers of width w
  // (12 w^2 + 13 w each); a new head over [encoder; knowledge] at the first token (2H x H + H, H x labels + labels).
  ['k-adapter', 'bert-seqcls', kAdapter([0, 1], 8, 1, 2), kAdapterCount(2, 8, 1)],
  ['k-adapter', 'roberta-seqcls', kAdapter([1], 16, 2, 4), kAdapterCount(1, 16, 2)],
  ['k-adapter', 'distilbert-seqcls', kAdapter([0, 1], 8, 1, 2), kAdapterCount(2, 8, 1)],
  ['head (linear probe)', 'bert-seqcls', { type: 'head' }, headSize],
  ['head (linear probe)', 'resnet-imgcls', { type: 'head' }, headSize],
  ['full', 'distilbert-seqcls', { type: 'full' }, (m) => m.params.count()],
  ['full', 'resnet-imgcls', { type: 'full' }, (m) => m.params.count()],
];

const IDENTITY_AT_INIT = new Set([
  'bottleneck',
  'lora',
  'dora',
  'vera',
  'ia3',
  'head',
  'full',
  'conv',
  'st-adapter',
]);
const tmp = tempDir('studio-matrix-');
beforeAll(useTestBackend);
afterAll(() => tmp.cleanup());

async function snapshot(model: Model): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const n of model.params.names()) out.set(n, Float32Array.from(await model.params.get(n).data()));
  return out;
}

function forwardLogits(model: Model, inputs: ModelInputs, hooks = {}): tf.Tensor {
  return tf.tidy(() => model.forward(inputs, { hooks }).logits);
}

/** The shared transformers fixtures, and this project's own CLIP (test/fixtures/clip-ref). */
const fixtureDir = (fixture: string) =>
  fixture === 'clip' ? path.join(CLIP_FIXTURE_DIR, 'base') : path.join(HF_TINY_DIR, fixture, 'base');

describe.each(CASES)('%s on %s', (_label, fixture, method, expectedCount) => {
  let model: Model;
  let ref: ReturnType<typeof loadReference>;
  beforeAll(() => {
    model = loadModel(fixtureDir(fixture));
    ref = loadReference(fixtureDir(fixture));
  });
  afterAll(() => {
    ref.dispose();
    model.dispose();
  });

  it('counts parameters as the formula says, outputs finite; identity at init where the method has one', async () => {
    const adapter = createAdapter(model, method, 7);
    const account = accountParams(model, adapter);
    expect(account.trainable).toBe(expectedCount(model));
    expect(account.total).toBe(model.params.count());
    const base = forwardLogits(model, ref.inputs);
    const adapted = forwardLogits(model, ref.inputs, adapter.hooks);
    const values = await adapted.data();
    expect(values.every(Number.isFinite)).toBe(true);
    if (IDENTITY_AT_INIT.has(method.type)) {
      expect(maxAbsDiff(values, await base.data())).toBeLessThanOrEqual(1e-6);
    }
    tf.dispose([base, adapted]);
    adapter.dispose();
  });

  it('after one optimizer step: base bit-identical (unless full), adapter changed; save/load exact; merge == unmerged', async () => {
    const before = await snapshot(model);
    const adapter = createAdapter(model, method, 11);
    const trainable = new Map<string, tf.Variable>(adapter.weights);
    for (const n of adapter.baseTrainable) trainable.set(n, model.params.get(n));
    const initial = new Map(
      await Promise.all(
        [...trainable].map(async ([n, v]) => [n, Float32Array.from(await v.data())] as const),
      ),
    );
    const numTensors = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(
      () =>
        tf.tidy(() => {
          const logits = model.forward(ref.inputs, { hooks: adapter.hooks, training: true }).logits;
          return logits.mul(tf.randomUniform(logits.shape, -1, 1, 'float32', 3)).sum() as tf.Scalar;
        }),
      [...trainable.values()],
    );
    const named = new Map([...trainable].map(([n, v]) => [n, grads[v.name] as tf.Tensor]));
    const opt = new AdamW();
    opt.apply(trainable, named, 1e-2);
    tf.dispose([value, ...Object.values(grads)]);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(numTensors);

    let changed = 0;
    for (const [n, v] of trainable) if (maxAbsDiff(await v.data(), initial.get(n) ?? []) > 0) changed++;
    expect(changed).toBeGreaterThan(0);
    if (method.type !== 'full') {
      const after = await snapshot(model);
      for (const [n, data] of before)
        expect(Buffer.from((after.get(n) as Float32Array).buffer).equals(Buffer.from(data.buffer))).toBe(
          true,
        );
    }

    const stepped = forwardLogits(model, ref.inputs, adapter.hooks);
    const dir = path.join(tmp.dir, `${fixture}-${method.type}-${Math.random().toString(36).slice(2)}`);
    const { type: _t, ...config } = method;
    await saveAdapter(model, adapter, config, dir, baseIdentity(model));
    if (method.type !== 'full') {
      const loaded = loadAdapter(model, dir);
      const again = forwardLogits(model, ref.inputs, loaded.hooks);
      // Prefix tuning saves the materialised prefixes, so its reload equals within float rounding.
      expect(maxAbsDiff(await again.data(), await stepped.data())).toBeLessThanOrEqual(
        method.type === 'prefix' ? 1e-6 : 0,
      );
      again.dispose();
      loaded.dispose();
    }
    if (adapter.merge) {
      await adapter.merge();
      await expect(adapter.merge?.()).rejects.toThrow(/already merged/);
      const merged = forwardLogits(model, ref.inputs, adapter.hooks);
      expect(maxAbsDiff(await merged.data(), await stepped.data())).toBeLessThanOrEqual(1e-5);
      merged.dispose();
      adapter.unmerge?.();
    }
    stepped.dispose();
    adapter.dispose();
    if (method.type === 'full') {
      // Restore the base for the other rows of this fixture.
      for (const [n, data] of before) model.params.get(n).assign(tf.tensor(data, model.params.get(n).shape));
    }
  });
});
