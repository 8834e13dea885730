/**
 * The project's own reference fixtures (other sizes, options and seeds), made by test/fixtures/make_more_fixtures.py
 * with transformers/PEFT on a Python machine and stored under test/fixtures/hf-more. Every variant found is checked
 * like the public fixtures: logits (and hidden states) within 1e-4, tokenizer ids exact (truncation included), and
 * LoRA adapters and their merges where the variant has one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAdapter } from '../../../src-main/adapters/io.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import { loadTokenizer } from '../../../src-main/models/tokenizer/index.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { loadReference, maxAbsDiff } from '../../helpers/reference.ts';

beforeAll(useTestBackend);

const ROOT = path.join(OWN_FIXTURES_DIR, 'hf-more');

/** `seed-N/<variant>` folders that hold a base/reference.safetensors. */
function variants(): string[] {
  if (!fs.existsSync(ROOT)) return [];
  return fs
    .readdirSync(ROOT)
    .filter((s) => s.startsWith('seed-'))
    .flatMap((s) => fs.readdirSync(path.join(ROOT, s)).map((v) => path.join(s, v)))
    .filter((v) => fs.existsSync(path.join(ROOT, v, 'base/reference.safetensors')))
    .sort();
}

const found = variants();

const truncatedPair = (r: { max_length?: number; text_pair?: string }) =>
  r.max_length !== undefined && r.text_pair !== undefined;

interface TokenizerRef {
  text: string;
  text_pair?: string;
  max_length?: number;
  ids: number[];
  tokens: string[];
  type_ids?: number[];
}
const readRefs = (dir: string) =>
  JSON.parse(fs.readFileSync(path.join(dir, 'base/tokenizer_reference.json'), 'utf8')) as TokenizerRef[];

describe.skipIf(found.length > 0)('own fixtures', () => {
  it('are not generated yet: run test/fixtures/make_more_fixtures.py test/fixtures/hf-more on a Python machine', () => {});
});

describe.each(found)('%s matches transformers', (variant) => {
  const dir = path.join(ROOT, variant);

  it('logits within 1e-4 (per-token outputs where attention_mask is 1)', async () => {
    const model = loadModel(path.join(dir, 'base'));
    const ref = loadReference(path.join(dir, 'base'));
    const before = tf.memory().numTensors;
    const out = model.forward(ref.inputs);
    expect(out.logits.shape).toEqual(ref.logits.shape);
    expect(maxAbsDiff(await out.logits.data(), ref.logits.data, ref.mask)).toBeLessThanOrEqual(1e-4);
    if (ref.hidden && out.lastHiddenState) {
      expect(maxAbsDiff(await out.lastHiddenState.data(), ref.hidden.data, ref.mask)).toBeLessThanOrEqual(
        1e-4,
      );
    }
    tf.dispose([out.logits, out.lastHiddenState as tf.Tensor]);
    expect(tf.memory().numTensors).toBe(before);
    expect(model.params.unexpected).toEqual([]);
    ref.dispose();
    model.dispose();
  });

  it.runIf(fs.existsSync(path.join(dir, 'base/tokenizer_reference.json')))(
    'tokenizer ids exactly as the reference (single texts, pairs, truncation of single texts)',
    () => {
      const tok = loadTokenizer(path.join(dir, 'base'));
      for (const r of readRefs(dir).filter((x) => !truncatedPair(x))) {
        const e = tok.encode(r.text, { pair: r.text_pair, maxLength: r.max_length });
        expect({ ...r, ids: e.ids, tokens: e.tokens }).toEqual({ ...r });
        if (r.type_ids) expect(e.typeIds).toEqual(r.type_ids);
      }
    },
  );

  const hasPairTruncation = () =>
    fs.existsSync(path.join(dir, 'base/tokenizer_reference.json')) && readRefs(dir).some(truncatedPair);
  it.runIf(hasPairTruncation())('longest_first pair truncation matches the reference', () => {
    const tok = loadTokenizer(path.join(dir, 'base'));
    for (const r of readRefs(dir).filter(truncatedPair)) {
      const e = tok.encode(r.text, { pair: r.text_pair, maxLength: r.max_length });
      expect({ ...r, ids: e.ids, tokens: e.tokens }).toEqual({ ...r });
      if (r.type_ids) expect(e.typeIds).toEqual(r.type_ids);
    }
  });

  // The same references through the slow-tokenizer files (a copy of the folder without tokenizer.json), which we
  // describe to the same library: pairs and truncation must follow the same rules.
  const slowFiles = ['vocab.txt', 'vocab.json'].filter((f) => fs.existsSync(path.join(dir, 'base', f)));
  it.runIf(fs.existsSync(path.join(dir, 'base/tokenizer_reference.json')) && slowFiles.length > 0)(
    `the ${slowFiles.join(', ')} fallback gives the same ids (pairs and truncation included)`,
    () => {
      const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-own-tok-'));
      try {
        fs.cpSync(path.join(dir, 'base'), copy, { recursive: true });
        fs.rmSync(path.join(copy, 'tokenizer.json'));
        const tok = loadTokenizer(copy);
        expect(tok.kind).not.toBe('tokenizer.json');
        for (const r of readRefs(dir)) {
          const e = tok.encode(r.text, { pair: r.text_pair, maxLength: r.max_length });
          expect({ ...r, ids: e.ids, tokens: e.tokens }).toEqual({ ...r });
          if (r.type_ids) expect(e.typeIds).toEqual(r.type_ids);
        }
      } finally {
        fs.rmSync(copy, { recursive: true, force: true });
      }
    },
  );

  it.runIf(fs.existsSync(path.join(dir, 'lora/adapter_config.json')))(
    'LoRA adapter and its merge give the reference logits',
    async () => {
      const model = loadModel(path.join(dir, 'base'));
      for (const [refDir, modelDir, adapterDir] of [
        ['lora', 'base', 'lora'],
        ['lora-merged', 'lora-merged', null],
      ] as const) {
        const m = modelDir === 'base' ? model : loadModel(path.join(dir, modelDir));
        const ref = loadReference(path.join(dir, refDir));
        const adapter = adapterDir ? loadAdapter(m, path.join(dir, adapterDir)) : null;
        const logits = tf.tidy(() => m.forward(ref.inputs, { hooks: adapter?.hooks }).logits);
        expect(maxAbsDiff(await logits.data(), ref.logits.data, ref.mask)).toBeLessThanOrEqual(1e-4);
        logits.dispose();
        adapter?.dispose();
        ref.dispose();
        if (m !== model) m.dispose();
      }
      model.dispose();
    },
  );
});
