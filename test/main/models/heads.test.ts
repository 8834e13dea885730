/**
 * Heads without a reference fixture (masked-LM, untied/tied LM heads): the expected logits are worked out here in
 * float64 from the reference last_hidden_state (the encoder is the same module as in the fixture) and the head's
 * weights, so these checks do not lean on our own graph.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import type { RawTensor } from '../../../src-main/engine/safetensors/index.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { ForwardHooks } from '../../../src-main/models/index.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { randomTensor, seededRandom, variantFolder } from '../../helpers/model-folder.ts';
import { loadReference, maxAbsDiff } from '../../helpers/reference.ts';
import { tempDir } from '../../helpers/temp.ts';

beforeAll(useTestBackend);
const tmp = tempDir('studio-heads-');
afterAll(() => tmp.cleanup());

/** erf by Abramowitz-Stegun 7.1.26 (error under 1.5e-7: far inside the 1e-4 tolerance). */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-a * a);
  return s * y;
}
const gelu = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));

/** rows [n, in] x torch weight [out, in]^T + bias -> [n, out], in float64. */
function linear(x: number[][], w: RawTensor, bias?: RawTensor): number[][] {
  const [out, inp] = w.shape as [number, number];
  return x.map((row) =>
    Array.from({ length: out }, (_, o) => {
      let s = bias ? (bias.data[o] as number) : 0;
      for (let i = 0; i < inp; i++) s += (row[i] as number) * (w.data[o * inp + i] as number);
      return s;
    }),
  );
}

function layerNorm(x: number[][], g: RawTensor, b: RawTensor, eps: number): number[][] {
  return x.map((row) => {
    const mean = row.reduce((a, v) => a + v, 0) / row.length;
    const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / row.length;
    return row.map(
      (v, i) => ((v - mean) / Math.sqrt(variance + eps)) * (g.data[i] as number) + (b.data[i] as number),
    );
  });
}

function rowsOf(t: { data: Float32Array; shape: number[] }): number[][] {
  const width = t.shape[t.shape.length - 1] as number;
  return Array.from({ length: t.data.length / width }, (_, r) =>
    Array.from(t.data.subarray(r * width, (r + 1) * width)),
  );
}

const fileWeights = (fixture: string) =>
  readSafetensors(path.join(HF_TINY_DIR, fixture, 'base/model.safetensors')).tensors;

// ownBias: the untied decoder has its own `decoder.bias` beside `<head>.bias`, as transformers 5 saves it (it ties
// neither then, and the forward reads the decoder's); without it, the one bias older files stored is used.
describe.each([
  { fixture: 'bert-seqcls', prefix: 'bert', head: 'cls.predictions', tied: true, ownBias: false },
  { fixture: 'bert-seqcls', prefix: 'bert', head: 'cls.predictions', tied: false, ownBias: false },
  { fixture: 'bert-seqcls', prefix: 'bert', head: 'cls.predictions', tied: false, ownBias: true },
  { fixture: 'roberta-seqcls', prefix: 'roberta', head: 'lm_head', tied: true, ownBias: false },
  { fixture: 'roberta-seqcls', prefix: 'roberta', head: 'lm_head', tied: false, ownBias: true },
])(
  '$fixture as a masked LM (tied decoder: $tied, own decoder bias: $ownBias)',
  ({ fixture, prefix, head, tied, ownBias }) => {
    const H = 64;
    const rand = seededRandom(tied ? 11 : ownBias ? 13 : 12);
    const bert = prefix === 'bert';
    const names = bert
      ? { dense: `${head}.transform.dense`, norm: `${head}.transform.LayerNorm` }
      : { dense: `${head}.dense`, norm: `${head}.layer_norm` };
    const vocab = fileWeights(fixture).get(`${prefix}.embeddings.word_embeddings.weight`) as RawTensor;
    const V = vocab.shape[0] as number;
    const headWeights = new Map<string, RawTensor>([
      [`${names.dense}.weight`, randomTensor([H, H], 0.2, rand)],
      [`${names.dense}.bias`, randomTensor([H], 0.1, rand)],
      [`${names.norm}.weight`, randomTensor([H], 1, rand)],
      [`${names.norm}.bias`, randomTensor([H], 0.1, rand)],
      [`${head}.bias`, randomTensor([V], 0.1, rand)],
      ...(tied
        ? []
        : ([[`${head}.decoder.weight`, randomTensor([V, H], 0.1, rand)]] as [string, RawTensor][])),
      ...(ownBias ? ([[`${head}.decoder.bias`, randomTensor([V], 0.1, rand)]] as [string, RawTensor][]) : []),
    ]);
    const dir = () =>
      variantFolder(tmp.dir, fixture, {
        config: (c) => {
          c.architectures = [bert ? 'BertForMaskedLM' : 'RobertaForMaskedLM'];
          c.tie_word_embeddings = tied;
        },
        weights: (w) => {
          for (const n of [...w.keys()])
            if (n.startsWith('classifier') || n.startsWith('bert.pooler')) w.delete(n);
          for (const [n, t] of headWeights) w.set(n, t);
        },
      });

    it('logits equal the head worked out from the reference hidden states', async () => {
      const model = loadModel(dir());
      expect(model.config.task).toBe('masked-lm');
      expect(model.params.unexpected).toEqual([]);
      const ref = loadReference(path.join(HF_TINY_DIR, fixture, 'base'));
      const out = model.forward(ref.inputs);
      const g = (n: string) => headWeights.get(n) as RawTensor;
      let t = linear(
        rowsOf(ref.hidden as { data: Float32Array; shape: number[] }),
        g(`${names.dense}.weight`),
        g(`${names.dense}.bias`),
      );
      t = layerNorm(
        t.map((r) => r.map(gelu)),
        g(`${names.norm}.weight`),
        g(`${names.norm}.bias`),
        1e-12,
      );
      const want = linear(
        t,
        tied ? vocab : g(`${head}.decoder.weight`),
        g(ownBias ? `${head}.decoder.bias` : `${head}.bias`),
      ).flat();
      expect(out.logits.shape).toEqual([...(ref.hidden?.shape.slice(0, 2) ?? []), V]);
      expect(maxAbsDiff(await out.logits.data(), want, ref.mask)).toBeLessThanOrEqual(1e-4);
      tf.dispose([out.logits, out.lastHiddenState as tf.Tensor]);
      ref.dispose();
      model.dispose();
    });

    it('the decoder goes through the linear hook under its PEFT module name', () => {
      const model = loadModel(dir());
      const seen: string[] = [];
      const hooks: ForwardHooks = {
        linear: (name, x, base) => {
          seen.push(name);
          return base(x);
        },
      };
      const ref = loadReference(path.join(HF_TINY_DIR, fixture, 'base'));
      tf.dispose(Object.values(model.forward(ref.inputs, { hooks })) as tf.Tensor[]);
      expect(seen.at(-1)).toBe(`${head}.decoder`);
      ref.dispose();
      model.dispose();
    });
  },
);

describe('causal LM heads', () => {
  it('gpt2 with tie_word_embeddings=false uses its own lm_head.weight', async () => {
    const wte = fileWeights('gpt2-lm').get('transformer.wte.weight') as RawTensor;
    const copy = variantFolder(tmp.dir, 'gpt2-lm', {
      config: (c) => (c.tie_word_embeddings = false),
      weights: (w) => w.set('lm_head.weight', wte),
    });
    const zero = variantFolder(tmp.dir, 'gpt2-lm', {
      config: (c) => (c.tie_word_embeddings = false),
      weights: (w) => w.set('lm_head.weight', { ...wte, data: new Float32Array(wte.data.length) }),
    });
    const ref = loadReference(path.join(HF_TINY_DIR, 'gpt2-lm/base'));
    // A head equal to wte reproduces the reference; a zero head gives zero logits.
    const same = loadModel(copy);
    const a = same.forward(ref.inputs);
    expect(maxAbsDiff(await a.logits.data(), ref.logits.data, ref.mask)).toBeLessThanOrEqual(1e-4);
    const zeroModel = loadModel(zero);
    const b = zeroModel.forward(ref.inputs);
    expect(Math.max(...Array.from(await b.logits.data(), Math.abs))).toBe(0);
    tf.dispose([a.logits, a.lastHiddenState as tf.Tensor, b.logits, b.lastHiddenState as tf.Tensor]);
    same.dispose();
    zeroModel.dispose();
    ref.dispose();
  });

  it('llama with tie_word_embeddings=true projects with embed_tokens', async () => {
    const dir = variantFolder(tmp.dir, 'llama-lm', {
      config: (c) => (c.tie_word_embeddings = true),
      weights: (w) => w.delete('lm_head.weight'),
    });
    const model = loadModel(dir);
    expect(model.params.has('lm_head.weight')).toBe(false);
    const ref = loadReference(path.join(HF_TINY_DIR, 'llama-lm/base'));
    const out = model.forward(ref.inputs);
    // The body is unchanged, so the hidden states still match transformers; the head is E h.
    const hidden = {
      data: (await out.lastHiddenState?.data()) as Float32Array,
      shape: out.lastHiddenState?.shape ?? [],
    };
    expect(
      maxAbsDiff(hidden.data, (ref.hidden as { data: Float32Array }).data, ref.mask),
    ).toBeLessThanOrEqual(1e-4);
    const E = fileWeights('llama-lm').get('model.embed_tokens.weight') as RawTensor;
    const want = linear(rowsOf(hidden), E).flat();
    expect(maxAbsDiff(await out.logits.data(), want, ref.mask)).toBeLessThanOrEqual(1e-4);
    tf.dispose([out.logits, out.lastHiddenState as tf.Tensor]);
    ref.dispose();
    model.dispose();
  });
});
