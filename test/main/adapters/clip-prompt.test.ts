/**
 * Prompt tuning (adapters/prompt) in CLIP's text tower, CoOp-style, on the transformers fixture's tiny CLIP: the
 * virtual tokens go before each text and the tower still pools at the text's own end token; only the virtual tokens
 * get gradients; tensor counts; an exact save/load with no PEFT files (PEFT's prompt tuning cannot wrap CLIP).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseIdentity, createAdapter, loadAdapter, saveAdapter } from '../../../src-main/adapters/index.ts';
import { PROMPT_WEIGHT } from '../../../src-main/adapters/prompt/index.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model, ModelOutputs } from '../../../src-main/models/index.ts';
import { unavailableReason } from '../../../src-shared/export.ts';
import type { MethodConfig } from '../../../src-shared/train-config.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { CLIP_FIXTURE_DIR } from '../../helpers/clip-folder.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { maxAbsDiff } from '../../helpers/reference.ts';
import { tempDir } from '../../helpers/temp.ts';

beforeAll(useTestBackend);
const tmp = tempDir('clip-prompt-');
afterAll(() => tmp.cleanup());

const VIRTUAL = 4;
const CONFIG = { type: 'prompt', virtualTokens: VIRTUAL } as MethodConfig;
const EOS = 98;
const allOutputs = (out: ModelOutputs) => [out.logits, ...Object.values(out.extra ?? {})];

describe('prompt tuning in CLIP’s text tower', () => {
  let model: Model;
  let inputs: { inputIds: tf.Tensor2D; attentionMask: tf.Tensor2D; pixelValues: tf.Tensor4D };
  // Two texts of different lengths, the shorter padded (id 1) after its end token.
  const ids = [
    [0, 5, 9, 12, 40, EOS],
    [0, 7, EOS, 1, 1, 1],
  ];
  beforeAll(() => {
    model = loadModel(path.join(CLIP_FIXTURE_DIR, 'base'));
    inputs = {
      inputIds: tf.tensor2d(ids, [2, 6], 'int32'),
      attentionMask: tf.tensor2d(
        ids.map((r) => r.map((_, j) => (j <= r.indexOf(EOS) ? 1 : 0))),
        [2, 6],
        'int32',
      ),
      pixelValues: tf.randomNormal([2, 3, 30, 30], 0, 1, 'float32', 4) as tf.Tensor4D,
    };
  });
  afterAll(() => {
    tf.dispose(Object.values(inputs));
    model.dispose();
  });

  it('pools each text at its own end token, past the virtual tokens, and changes the text embeddings only', async () => {
    const adapter = createAdapter(model, CONFIG, 3);
    const base = model.forward(inputs);
    const out = model.forward(inputs, { hooks: adapter.hooks });
    const last = out.extra?.text_last_hidden_state as tf.Tensor3D;
    // The hidden states line up with input_ids: the virtual tokens' positions are not returned.
    expect(last.shape).toEqual([2, 6, 32]);
    // text_embeds = normalise(text_projection(hidden state at the end token)): the pooled row is the end token's.
    const pooled = tf.tidy(() => {
      const rows = ids.map((r, b) => last.slice([b, r.indexOf(EOS), 0], [1, 1, 32]).reshape([1, 32]));
      const w = model.params.get('text_projection.weight') as tf.Tensor2D;
      const p = tf.matMul(tf.concat(rows, 0) as tf.Tensor2D, w);
      return p.div(p.norm('euclidean', -1, true));
    });
    const embeds = await (out.extra?.text_embeds as tf.Tensor).data();
    expect(maxAbsDiff(await pooled.data(), embeds)).toBeLessThan(1e-5);
    // The prompt moves the text side; the image side is untouched.
    expect(maxAbsDiff(embeds, await (base.extra?.text_embeds as tf.Tensor).data())).toBeGreaterThan(1e-3);
    expect(
      maxAbsDiff(
        await (out.extra?.image_embeds as tf.Tensor).data(),
        await (base.extra?.image_embeds as tf.Tensor).data(),
      ),
    ).toBe(0);
    tf.dispose([pooled, ...allOutputs(base), ...allOutputs(out)]);
    adapter.dispose();
  });

  it('ignores what follows the end token (the causal mask), with the virtual tokens in front', async () => {
    const adapter = createAdapter(model, CONFIG, 3);
    const other = tf.tensor2d([ids[0] as number[], [0, 7, EOS, 30, 31, 32]], [2, 6], 'int32');
    const a = model.forward({ inputIds: inputs.inputIds }, { hooks: adapter.hooks });
    const b = model.forward({ inputIds: other }, { hooks: adapter.hooks });
    expect(maxAbsDiff(await a.logits.data(), await b.logits.data())).toBe(0);
    tf.dispose([other, ...allOutputs(a), ...allOutputs(b)]);
    adapter.dispose();
  });

  it('trains only the virtual tokens: every one gets a gradient, no CLIP weight does', async () => {
    const adapter = createAdapter(model, CONFIG, 3);
    expect([...adapter.weights.keys()]).toEqual([PROMPT_WEIGHT]);
    expect(adapter.weights.get(PROMPT_WEIGHT)?.shape).toEqual([VIRTUAL, 32]);
    const before = tf.memory().numTensors;
    // Every trainable variable in the engine: the base's are frozen, so only the prompt may show up.
    const { value, grads } = tf.variableGrads(
      () =>
        tf.losses.softmaxCrossEntropy(
          tf.oneHot(tf.tensor1d([0, 1], 'int32'), 2),
          model.forward(inputs, { hooks: adapter.hooks, training: true, dropoutSeed: 1 }).logits,
        ) as tf.Scalar,
    );
    const prompt = adapter.weights.get(PROMPT_WEIGHT) as tf.Variable;
    expect(Object.keys(grads)).toEqual([prompt.name]);
    const g = (await (grads[prompt.name] as tf.Tensor).array()) as number[][];
    for (const row of g) expect(Math.max(...row.map(Math.abs))).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    adapter.dispose();
  });

  it('a forward pass with the prompt adds only its outputs to tf.memory().numTensors', () => {
    const adapter = createAdapter(model, CONFIG, 3);
    const before = tf.memory().numTensors;
    const out = model.forward(inputs, { hooks: adapter.hooks });
    const outputs = new Set(allOutputs(out));
    expect(tf.memory().numTensors).toBe(before + outputs.size);
    tf.dispose([...outputs]);
    expect(tf.memory().numTensors).toBe(before);
    adapter.dispose();
  });

  it('saves and loads back exactly, without PEFT files (PEFT cannot wrap CLIP’s text tower)', async () => {
    const adapter = createAdapter(model, CONFIG, 7);
    const dir = path.join(tmp.dir, 'saved');
    await saveAdapter(model, adapter, CONFIG as unknown as Record<string, unknown>, dir, baseIdentity(model));
    expect(fs.existsSync(path.join(dir, 'adapter_config.json'))).toBe(false);
    expect(unavailableReason('prompt', 'peft', 'clip')).toMatch(
      /cannot wrap CLIP's text tower: export a bundle/,
    );
    expect(unavailableReason('prompt', 'peft', 'bert')).toBeNull();
    const loaded = loadAdapter(model, dir);
    const a = model.forward(inputs, { hooks: adapter.hooks });
    const b = model.forward(inputs, { hooks: loaded.hooks });
    expect(Array.from(await a.logits.data())).toEqual(Array.from(await b.logits.data()));
    tf.dispose([...allOutputs(a), ...allOutputs(b)]);
    adapter.dispose();
    loaded.dispose();
  });

  it('refuses more tokens than the position table holds, and an image-only model, in one line', () => {
    const adapter = createAdapter(model, { type: 'prompt', virtualTokens: 12 } as MethodConfig, 1);
    // 6 ids + 12 virtual tokens > the fixture's 16 positions.
    expect(() => model.forward({ inputIds: inputs.inputIds }, { hooks: adapter.hooks })).toThrow(
      /at most 16 tokens, got 6 and 12 virtual tokens/,
    );
    adapter.dispose();
    const vit = loadModel(path.join(HF_TINY_DIR, 'vit-imgcls/base'));
    expect(() => createAdapter(vit, CONFIG, 1)).toThrow(
      /needs a text model or CLIP's text tower; this is a vit/,
    );
    vit.dispose();
  });
});
