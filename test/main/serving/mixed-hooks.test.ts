/**
 * Mixed-adapter batches give, row for row, what each adapter gives alone (within 1e-5): LoRA (two ranks, both
 * product modes), bottleneck (sequential and parallel), IA3, prompt tuning (two prompt lengths, so rows are padded
 * to the longest) and the base, interleaved in one batch with texts of different lengths and heads of different
 * widths. Adapter weights are drawn at random so every adapter really changes the output. Gathered products run
 * both with the batch's own stacks and from a bank of the loaded adapters (serving/bank.ts), which a batch only
 * gathers from; a batch whose rows all have heads also takes the heads from the bank.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodConfig } from '../../../src-shared/train-config.ts';
import { createAdapter } from '../../../src-main/adapters/index.ts';
import type { AdapterInstance } from '../../../src-main/adapters/index.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model } from '../../../src-main/models/index.ts';
import { AdapterBank } from '../../../src-main/serving/bank.ts';
import { forwardRows } from '../../../src-main/serving/batch-forward.ts';
import type { ServeRow } from '../../../src-main/serving/batch-forward.ts';
import type { LoraMode } from '../../../src-main/serving/mixed-hooks.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { bottleneckConfig } from '../../helpers/methods.ts';

const METHODS: [string, MethodConfig, number][] = [
  ['lora-r4', { type: 'lora', r: 4, alpha: 8, dropout: 0, rslora: false }, 2],
  ['lora-r2', { type: 'lora', r: 2, alpha: 4, dropout: 0, rslora: true }, 3],
  ['bottleneck-seq', bottleneckConfig({ variant: 'houlsby', reductionFactor: 4 }), 2],
  [
    'bottleneck-par',
    bottleneckConfig({
      variant: 'pfeiffer',
      placement: 'parallel',
      activation: 'gelu',
      scaling: 2,
      reductionFactor: 8,
    }),
    4,
  ],
  ['ia3', { type: 'ia3' }, 2],
  ['prompt-3', { type: 'prompt', virtualTokens: 3 }, 2],
  ['prompt-5', { type: 'prompt', virtualTokens: 5 }, 3],
];

let model: Model;
const adapters = new Map<string, AdapterInstance>();
const bank = new AdapterBank();

beforeAll(async () => {
  await useTestBackend();
  model = loadModel(path.join(HF_TINY_DIR, 'bert-seqcls', 'base'));
  METHODS.forEach(([key, config, labels], i) => {
    const a = createAdapter(model, config, 100 + i, { numLabels: labels });
    // Random weights (not the identity init): each adapter must change the rows it is on.
    for (const [name, w] of a.weights) {
      const fresh = tf.tidy(() =>
        name.endsWith('.ia3')
          ? tf.randomUniform(w.shape, 0.5, 1.5, 'float32', i * 7 + 1)
          : tf.randomNormal(w.shape, 0, 0.2, 'float32', i * 7 + 3),
      );
      w.assign(fresh);
      fresh.dispose();
    }
    adapters.set(key, a);
  });
  bank.rebuild([...adapters].map(([key, a]) => ({ key, parts: a.rowwise! })));
});

afterAll(() => {
  bank.dispose();
  for (const a of adapters.values()) a.dispose();
  model?.dispose();
});

/** Token ids of a text of `n` tokens (CLS ... SEP), deterministic. */
const tokens = (n: number, seed: number): number[] => [
  2,
  ...Array.from({ length: n - 2 }, (_, i) => 5 + ((seed * 31 + i * 17) % 90)),
  3,
];

function alone(
  a: AdapterInstance | undefined,
  ids: number[],
): { logits: Float32Array; embedding: Float32Array } {
  return tf.tidy(() => {
    const out = model.forward(
      {
        inputIds: tf.tensor2d([ids], [1, ids.length], 'int32'),
        attentionMask: tf.ones([1, ids.length], 'int32') as tf.Tensor2D,
        tokenTypeIds: tf.zeros([1, ids.length], 'int32') as tf.Tensor2D,
      },
      { hooks: a?.hooks ?? {} },
    );
    const last = out.lastHiddenState as tf.Tensor3D;
    return {
      logits: out.logits.dataSync() as Float32Array,
      embedding: last.mean(1).dataSync() as Float32Array,
    };
  });
}

const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] ?? NaN))), 0);

describe.each<[LoraMode, boolean]>([
  ['segments', false],
  ['gathered', false],
  ['gathered', true],
])('mixed-adapter batch (%s LoRA products, bank: %s)', (loraMode, banked) => {
  it.each([true, false])('equals each adapter alone, row for row (base rows: %s)', async (withBase) => {
    // Without base rows every row has a head: a banked batch then gathers the heads too.
    const keys = [...(withBase ? [null] : []), ...METHODS.map(([k]) => k)];
    // Interleaved adapters, two rows each, lengths 4..12: padding and prompts of 3 and 5 virtual tokens.
    const rows: ServeRow[] = [];
    for (let i = 0; i < 2 * keys.length; i++) {
      const key = keys[(i * 3) % keys.length] ?? null;
      const ids = tokens(4 + ((i * 5) % 9), i);
      rows.push({
        key,
        parts: key ? (adapters.get(key)?.rowwise ?? null) : null,
        ids,
        typeIds: ids.map(() => 0),
      });
    }
    expect(rows.every((r) => r.key === null || r.parts)).toBe(true);
    const before = tf.memory().numTensors;
    const mixed = await forwardRows(model, rows, { padId: 0, loraMode, ...(banked ? { bank } : {}) });
    expect(tf.memory().numTensors).toBe(before);
    rows.forEach((r, i) => {
      const ref = alone(r.key ? adapters.get(r.key) : undefined, [...r.ids]);
      const got = mixed[i]!;
      expect(
        maxDiff(got.logits.slice(0, ref.logits.length), ref.logits),
        `row ${i} (${r.key}) logits`,
      ).toBeLessThan(1e-5);
      expect(maxDiff(got.embedding, ref.embedding), `row ${i} (${r.key}) embedding`).toBeLessThan(1e-5);
    });
    // The adapters really differ from the base: the check above would pass trivially otherwise.
    const base = alone(undefined, tokens(6, 1));
    for (const key of METHODS.map(([k]) => k)) {
      const ref = alone(adapters.get(key), tokens(6, 1));
      expect(maxDiff(ref.embedding, base.embedding), key).toBeGreaterThan(1e-3);
    }
  });
});
