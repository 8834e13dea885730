/**
 * The method x architecture matrix for multi-task adapters (adapters/multitask/), on every text architecture and
 * every variant: a fresh adapter answers a task whose head matches the base's exactly as the base does (every
 * branch starts at zero); one optimizer step over two tasks leaves the base bit-identical (full fine-tuning moves
 * it, as it should); the trained-parameter count follows the variant's formula; the saved folder loads into a fresh
 * copy of the base with identical outputs for every task.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accountParams,
  baseIdentity,
  createAdapter,
  loadAdapter,
  saveAdapter,
} from '../../../src-main/adapters/index.ts';
import type { MultiTaskAdapter } from '../../../src-main/adapters/multitask/index.ts';
import { MULTITASK_VARIANTS } from '../../../src-main/adapters/multitask/schema.ts';
import type { MultiTaskVariant } from '../../../src-main/adapters/multitask/schema.ts';
import { UserError } from '../../../src-main/errors.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model, ModelInputs } from '../../../src-main/models/index.ts';
import { AdamW } from '../../../src-main/training/adamw.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { loadReference, maxAbsDiff } from '../../helpers/reference.ts';
import { tempDir } from '../../helpers/temp.ts';

/** GPT-2 is a language model only here (no sequence-classification head): it is refused, in one line. */
const TEXT_FIXTURES = ['bert-seqcls', 'distilbert-seqcls', 'roberta-seqcls', 'llama-lm'];

const tmp = tempDir('studio-multitask-matrix-');
beforeAll(useTestBackend);
afterAll(() => tmp.cleanup());

/** The base as a run loads it: a classifier (a causal-LM base gets a fresh two-label head, as the worker does). */
function classifier(dir: string): Model {
  const own = loadModel(dir);
  if (own.config.task === 'sequence-classification') return own;
  own.dispose();
  return loadModel(dir, { task: 'sequence-classification', labels: ['LABEL_0', 'LABEL_1'] });
}

async function snapshot(model: Model): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const n of model.params.names()) out.set(n, Float32Array.from(await model.params.get(n).data()));
  return out;
}

const logitsOf = async (model: Model, inputs: ModelInputs, a: MultiTaskAdapter, task: number) => {
  const t = tf.tidy(() => model.forward(inputs, { hooks: a.hooksFor(task) }).logits);
  const d = await t.data();
  t.dispose();
  return d;
};

const config = (variant: MultiTaskVariant) =>
  ({
    type: 'multitask',
    variant,
    reductionFactor: 16,
    specificReductionFactor: 64,
    taskEmbedding: 8,
    temperature: 2,
  }) as const;

it('gpt2: refused with a user-facing line (no classification head to give each task)', () => {
  const model = classifier(path.join(HF_TINY_DIR, 'gpt2-lm', 'base'));
  const tasks = [
    { name: 'a', labels: ['x', 'y'] },
    { name: 'b', labels: ['x', 'y'] },
  ];
  expect(() => createAdapter(model, config('shared'), 1, { tasks })).toThrow(UserError);
  expect(() => createAdapter(model, config('shared'), 1, { tasks })).toThrow(/no classification head/);
  model.dispose();
});

describe.each(TEXT_FIXTURES)('multitask on %s', (fixture) => {
  const dir = path.join(HF_TINY_DIR, fixture, 'base');
  let model: Model;
  let inputs: ModelInputs;
  let ref: ReturnType<typeof loadReference>;
  beforeAll(() => {
    model = classifier(dir);
    ref = loadReference(dir);
    inputs = ref.inputs;
  });
  afterAll(() => {
    ref.dispose();
    model.dispose();
  });

  it.each(MULTITASK_VARIANTS)(
    '%s: the base at init, the base unchanged by a step, its parameter count, exact save/load',
    async (variant) => {
      const tasks = [
        { name: 'same-head', labels: [...model.config.labels] },
        { name: 'three-way', labels: ['x', 'y', 'z'] },
      ];
      const base = tf.tidy(() => model.forward(inputs).logits);
      const baseData = await base.data();
      base.dispose();
      const adapter = createAdapter(model, config(variant), 5, { tasks }) as MultiTaskAdapter;
      expect(maxAbsDiff(await logitsOf(model, inputs, adapter, 0), baseData)).toBeLessThanOrEqual(1e-5);

      const H = model.config.hiddenSize;
      const L = model.config.numLayers;
      const bottleneck = (m: number) => L * (2 * H * m + m + H);
      const heads = [...adapter.weights].filter(([n]) => n.includes('.head.'));
      const headScalars = heads.reduce((a, [, v]) => a + v.size, 0);
      const body = model.params
        .names()
        .filter((n) => !model.config.headModules.some((h) => n === h || n.startsWith(`${h}.`)))
        .reduce((a, n) => a + model.params.get(n).size, 0);
      const expected = {
        shared: bottleneck(Math.max(1, Math.floor(H / 16))),
        'shared-specific':
          bottleneck(Math.max(1, Math.floor(H / 16))) + 2 * bottleneck(Math.max(1, Math.floor(H / 64))),
        affinity: bottleneck(Math.max(1, Math.floor(H / 16))) + 2 * 8 + L * 8 * H,
        full: body,
      }[variant];
      expect(accountParams(model, adapter).trainable).toBe(expected + headScalars);

      const before = await snapshot(model);
      const trainable = new Map<string, tf.Variable>(adapter.weights);
      for (const n of adapter.baseTrainable) trainable.set(n, model.params.get(n));
      const { value, grads } = tf.variableGrads(
        () =>
          tf.tidy(() => {
            // Both tasks in one loss, as a mixed batch trains them.
            const parts = [0, 1].map((t) => {
              const out = model.forward(inputs, { hooks: adapter.hooksFor(t), training: true }).logits;
              return out.mul(tf.randomUniform(out.shape, -1, 1, 'float32', 3 + t)).sum();
            });
            return (parts[0] as tf.Scalar).add(parts[1] as tf.Scalar) as tf.Scalar;
          }),
        [...trainable.values()],
      );
      const named = new Map([...trainable].map(([n, v]) => [n, grads[v.name] as tf.Tensor]));
      const opt = new AdamW();
      // Twice: the first step moves the zero-initialised up-projections, the second the layers behind them.
      opt.apply(trainable, named, 1e-2);
      opt.apply(trainable, named, 1e-2);
      tf.dispose([value, ...Object.values(grads)]);
      opt.dispose();
      const after = await snapshot(model);
      const moved = [...before].filter(
        ([n, d]) => !Buffer.from((after.get(n) as Float32Array).buffer).equals(Buffer.from(d.buffer)),
      );
      if (variant === 'full') expect(moved.length).toBeGreaterThan(0);
      else expect(moved.map(([n]) => n)).toEqual([]);

      const outs = [await logitsOf(model, inputs, adapter, 0), await logitsOf(model, inputs, adapter, 1)];
      expect(outs[1]?.length).toBe((inputs.inputIds?.shape[0] as number) * 3);
      expect(maxAbsDiff(outs[0] as Float32Array, baseData)).toBeGreaterThan(1e-4);
      const saved = path.join(tmp.dir, fixture, variant);
      const { type: _t, ...rest } = config(variant);
      await saveAdapter(model, adapter, { ...rest, labels: tasks[0]?.labels }, saved, baseIdentity(model));
      adapter.dispose();

      // A fresh copy of the base: a full fine-tune's folder must carry the body it trained.
      const fresh = classifier(dir);
      const loaded = loadAdapter(fresh, saved) as MultiTaskAdapter;
      expect(loaded.tasks).toEqual(tasks);
      for (const t of [0, 1])
        expect(maxAbsDiff(await logitsOf(fresh, inputs, loaded, t), outs[t] as Float32Array)).toBe(0);
      loaded.dispose();
      fresh.dispose();
    },
  );
});
