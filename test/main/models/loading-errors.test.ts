import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { writeSafetensors, readSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import type { RawTensor } from '../../../src-main/engine/safetensors/index.ts';
import { ModelLoadError } from '../../../src-main/models/base/errors.ts';
import { loadModel, supportedModelTypes } from '../../../src-main/models/index.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR, HF_TINY_MODELS } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

beforeAll(useTestBackend);
const tmp = tempDir('studio-models-');
afterAll(() => tmp.cleanup());

function copyModel(name: string, edit: (config: Record<string, unknown>) => void): string {
  const dir = path.join(tmp.dir, `${name}-${Math.random().toString(36).slice(2)}`);
  fs.cpSync(path.join(HF_TINY_DIR, name, 'base'), dir, { recursive: true });
  const file = path.join(dir, 'config.json');
  const config = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(config);
  fs.writeFileSync(file, JSON.stringify(config));
  return dir;
}

describe('loading errors', () => {
  it('an unknown model_type lists the supported ones', () => {
    const dir = copyModel('bert-seqcls', (c) => (c.model_type = 'mamba'));
    expect(() => loadModel(dir)).toThrow(
      `model_type "mamba" is not supported; supported: ${supportedModelTypes().join(', ')}`,
    );
    expect(supportedModelTypes()).toEqual(
      expect.arrayContaining(['bert', 'distilbert', 'roberta', 'gpt2', 'llama', 'vit', 'resnet']),
    );
  });

  it('an unsupported option is named', () => {
    const dir = copyModel('llama-lm', (c) => (c.rope_parameters = { rope_type: 'yarn', rope_theta: 10000 }));
    expect(() => loadModel(dir)).toThrow(/rope type "yarn" is not supported/);
  });

  it.each([
    ['bert-seqcls', { hidden_act: 'mish' }, /config.json: hidden_act: .*expected one of "gelu"/],
    ['gpt2-lm', { activation_function: 'swiglu' }, /config.json: activation_function: .*expected one of/],
    ['gpt2-lm', { n_head: 5 }, /n_embd 64 is not divisible by n_head 5/],
    [
      'llama-lm',
      { num_key_value_heads: 3 },
      /num_attention_heads 4 is not a multiple of num_key_value_heads 3/,
    ],
    [
      'bert-seqcls',
      { position_embedding_type: 'relative_key' },
      /position_embedding_type "relative_key" is not supported/,
    ],
    ['vit-imgcls', { patch_size: 5 }, /image_size 32 is not a multiple of patch_size 5/],
    ['resnet-imgcls', { depths: [1] }, /hidden_sizes and depths must have the same length/],
  ] as const)('%s with %o is refused at load, naming the option', (name, change, message) => {
    const dir = copyModel(name, (c) => Object.assign(c, change));
    expect(() => loadModel(dir)).toThrow(message);
  });

  it('a bad field names its path', () => {
    const dir = copyModel('bert-seqcls', (c) => (c.hidden_size = 'big'));
    expect(() => loadModel(dir)).toThrow(/config.json: hidden_size: /);
  });

  it('missing weights are reported by name', () => {
    const dir = copyModel('bert-seqcls', () => {});
    const file = path.join(dir, 'model.safetensors');
    const w = readSafetensors(file).tensors;
    w.delete('bert.encoder.layer.1.attention.self.key.weight');
    writeSafetensors(file, w);
    expect(() => loadModel(dir)).toThrow(
      /missing weights: bert\.encoder\.layer\.1\.attention\.self\.key\.weight/,
    );
  });

  it('unexpected weights are reported by name, not fatal', () => {
    const dir = copyModel('bert-seqcls', () => {});
    const file = path.join(dir, 'model.safetensors');
    const w = readSafetensors(file).tensors;
    w.set('bert.extra.thing', { dtype: 'float32', shape: [1], data: Float32Array.from([1]) });
    writeSafetensors(file, w);
    const model = loadModel(dir);
    expect(model.params.unexpected).toEqual(['bert.extra.thing']);
    model.dispose();
  });

  it('a folder without config.json says so', () => {
    expect(() => loadModel(tmp.dir)).toThrow(/config.json: not found/);
  });
});

/** A copy of a fixture whose weights file is edited: `edit` gets the tensors by name. */
function copyWeights(name: string, edit: (w: Map<string, RawTensor>) => void): string {
  const dir = copyModel(name, () => {});
  const file = path.join(dir, 'model.safetensors');
  const w = readSafetensors(file).tensors;
  edit(w);
  writeSafetensors(file, w);
  return dir;
}

/** Names the architecture needs from the file: everything stored except BatchNorm's step counters. */
const storedNames = (name: string) =>
  [...readSafetensors(path.join(HF_TINY_DIR, name, 'base/model.safetensors')).tensors.keys()]
    .filter((n) => !n.endsWith('num_batches_tracked'))
    .sort();

describe.each(HF_TINY_MODELS)('%s: weights that do not fit are named', (name) => {
  it('a missing body weight and a missing head weight are both named, and nothing is loaded', () => {
    // The first and last names in sorted order: one from the embeddings/body, one from the head or final norm.
    const names = storedNames(name);
    const gone = [names[0], names.at(-1)] as [string, string];
    const dir = copyWeights(name, (w) => gone.forEach((n) => w.delete(n)));
    const before = tf.memory().numTensors;
    let message = '';
    try {
      loadModel(dir).dispose();
    } catch (err) {
      expect(err).toBeInstanceOf(ModelLoadError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/missing weights: /);
    for (const n of gone) expect(message).toContain(n);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('every stored weight is shape-checked: one of the wrong shape is named with both shapes', () => {
    const dir = copyModel(name, () => {});
    const file = path.join(dir, 'model.safetensors');
    const original = readSafetensors(file).tensors;
    const unchecked: string[] = [];
    for (const victim of storedNames(name)) {
      const w = new Map(original);
      const t = w.get(victim) as RawTensor;
      w.set(victim, { ...t, shape: [...t.shape, 1] });
      writeSafetensors(file, w);
      try {
        loadModel(dir).dispose();
        unchecked.push(victim);
      } catch (err) {
        const want = `wrong shapes: ${victim} is [${[...t.shape, 1].join(', ')}], expected [${t.shape.join(', ')}]`;
        expect((err as Error).message).toContain(want);
      }
    }
    expect(unchecked).toEqual([]);
  });

  it('extra weights are listed by name and the model still loads', () => {
    const extra = ['extra.head.weight', 'zz.unused'];
    const dir = copyWeights(name, (w) => {
      for (const n of extra) w.set(n, { dtype: 'float32', shape: [2], data: Float32Array.from([1, 2]) });
    });
    const model = loadModel(dir);
    expect([...model.params.unexpected].sort()).toEqual(extra);
    model.dispose();
  });
});
