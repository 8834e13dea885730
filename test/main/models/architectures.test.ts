/**
 * What each architecture declares (models/<arch>/spec.ts) is what its graph does: the hooks its forward pass
 * calls, the module names its defaults and heads name, its input kind; and every declaration has a loader.
 * Adapters, export and the UI trust these declarations instead of testing model_type names.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchesTarget } from '../../../src-main/adapters/base/targets.ts';
import { ARCHITECTURES, architectureOf, findArchitecture } from '../../../src-main/models/architectures.ts';
import type { HookName } from '../../../src-main/models/architectures.ts';
import { asClassifierConfig } from '../../../src-main/models/base/new-head.ts';
import { registeredSpecs } from '../../../src-main/models/base/registry.ts';
import { loadModel, supportedModelTypes } from '../../../src-main/models/index.ts';
import type { ForwardHooks, Model, ModelInputs } from '../../../src-main/models/index.ts';
import { modelInfo } from '../../../src-main/models/info.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR, HF_TINY_MODELS } from '../../helpers/fixtures.ts';

beforeAll(useTestBackend);

/** A small input the model accepts: a few tokens, or one image of its size. */
function inputsFor(model: Model): ModelInputs {
  if (model.config.inputKind === 'image') {
    const c = model.config as typeof model.config & { imageSize?: number; channels?: number };
    const size = c.imageSize ?? 32;
    return { pixelValues: tf.zeros([1, c.channels ?? 3, size, size]) as tf.Tensor4D };
  }
  return {
    inputIds: tf.tensor2d([[1, 2, 3]], [1, 3], 'int32'),
    attentionMask: tf.ones([1, 3], 'int32') as tf.Tensor2D,
  };
}

/** Runs one forward pass with every hook present and passing through; returns which were called and on what. */
function traceHooks(model: Model): { hooks: Set<HookName>; modules: string[] } {
  const hooks = new Set<HookName>();
  const modules: string[] = [];
  const recording: Required<ForwardHooks> = {
    linear: (name, x, base) => (hooks.add('linear'), modules.push(name), base(x)),
    conv2d: (name, x, base) => (hooks.add('conv2d'), modules.push(name), base(x)),
    embeddings: (h, mask) => (hooks.add('embeddings'), { h, mask }),
    attentionKV: (_layer, k, v) => (hooks.add('attentionKV'), { k, v, added: 0 }),
    sublayerOutput: (_layer, _kind, out) => (hooks.add('sublayerOutput'), out),
    block: (_stage, _index, out) => (hooks.add('block'), out),
    features: (_tower, x) => (hooks.add('features'), x),
    videoTokens: (_layer, x) => (hooks.add('videoTokens'), x),
    layerOutput: (_layer, h) => (hooks.add('layerOutput'), h),
    sequenceHead: (last, base) => (hooks.add('sequenceHead'), base(last)),
  };
  tf.tidy(() => {
    const inputs = inputsFor(model);
    model.forward(inputs, { hooks: recording }).logits.dispose();
  });
  return { hooks, modules };
}

describe('architecture declarations', () => {
  it('every declaration has a loader and every loader a declaration (the same object)', () => {
    expect(supportedModelTypes()).toEqual(ARCHITECTURES.map((a) => a.modelType).sort());
    for (const spec of registeredSpecs()) expect(architectureOf(spec.modelType)).toBe(spec);
  });

  it('an undeclared model_type has none', () => {
    expect(findArchitecture('not-a-model')).toBeUndefined();
    expect(() => architectureOf('not-a-model')).toThrow(/no architecture declares model_type "not-a-model"/);
  });

  it('a base model read as a classifier gets the head class of its input kind', () => {
    const head = { task: 'sequence-classification', labels: ['a', 'b'] } as const;
    const image = asClassifierConfig({ model_type: 'vit', architectures: ['ViTModel'] }, head, 'image');
    const text = asClassifierConfig({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] }, head, 'text');
    expect(image?.architectures).toEqual(['VitForImageClassification']);
    expect(text?.architectures).toEqual(['Gpt2ForSequenceClassification']);
  });
});

describe.each(HF_TINY_MODELS)('%s: its declaration matches its graph', (fixture) => {
  const dir = path.join(HF_TINY_DIR, fixture, 'base');
  let model: Model;
  let traced: { hooks: Set<HookName>; modules: string[] };
  beforeAll(() => {
    model = loadModel(dir);
    traced = traceHooks(model);
    // A causal LM that declares a classification head calls that head's hooks when loaded as a classifier.
    const spec = architectureOf(model.config.modelType);
    if (model.config.task !== 'sequence-classification' && spec.heads['sequence-classification']) {
      const classifier = loadModel(dir, { task: 'sequence-classification', labels: ['a', 'b'] });
      for (const h of traceHooks(classifier).hooks) traced.hooks.add(h);
      classifier.dispose();
    }
  });
  afterAll(() => model.dispose());

  it('declares exactly the hooks the forward pass calls', () => {
    const spec = architectureOf(model.config.modelType);
    expect([...traced.hooks].sort()).toEqual([...spec.hooks].sort());
  });

  it('has the declared input kind, in the model and in what the Models page is told', () => {
    const spec = architectureOf(model.config.modelType);
    expect(model.config.inputKind).toBe(spec.inputKind);
    expect(modelInfo(dir).inputKind).toBe(spec.inputKind);
  });

  it('names default LoRA and IA3 targets that exist in the graph', () => {
    const spec = architectureOf(model.config.modelType);
    for (const t of spec.loraTargets)
      expect(
        traced.modules.some((m) => matchesTarget(m, [t])),
        t,
      ).toBe(true);
    for (const t of spec.ia3?.targets ?? [])
      expect(
        traced.modules.some((m) => matchesTarget(m, [t])),
        t,
      ).toBe(true);
    for (const t of spec.ia3?.feedforward ?? []) expect(spec.ia3?.targets).toContain(t);
  });

  it('declares head modules whose weights the checkpoint has, and AdapterHub names under its prefix', () => {
    const spec = architectureOf(model.config.modelType);
    const names = model.params.names();
    for (const h of spec.heads[model.config.task] ?? [])
      expect(
        names.some((n) => n.startsWith(`${h}.`)),
        h,
      ).toBe(true);
    expect(model.config.headModules).toEqual(spec.heads[model.config.task] ?? []);
    if (spec.adapterHub) expect(names.some((n) => n.startsWith(`${spec.adapterHub?.prefix}.`))).toBe(true);
  });
});
