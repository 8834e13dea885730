/**
 * Every combination type against PEFT 0.21's add_weighted_adapter (test/fixtures/peft-merge, FIXTURES.md): our merge
 * of the same source adapters, with PEFT's DARE masks fed in, gives PEFT's logits within 1e-4 through the path
 * `studio predict` takes (base for the adapter, adapter attached, forward), and the same factors (B·A for SVD types,
 * whose factors are defined only up to sign).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBaseForAdapter } from '../../../src-main/adapters/base-for-adapter.ts';
import { readAdapterFolder } from '../../../src-main/adapters/io.ts';
import { withAdapter } from '../../../src-main/adapters/runtime.ts';
import { mergeAdapterFolders } from '../../../src-main/lora-merge/folders.ts';
import { masksFromList } from '../../../src-main/lora-merge/masks.ts';
import { readSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import type { RawTensor } from '../../../src-main/engine/safetensors/index.ts';
import { isSvdType, mergeOptionsSchema } from '../../../src-shared/merge.ts';
import type { CombinationType } from '../../../src-shared/merge.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR, OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { loadReference, maxAbsDiff } from '../../helpers/reference.ts';
import { tempDir } from '../../helpers/temp.ts';

beforeAll(useTestBackend);
const tmp = tempDir('studio-peft-merge-');
afterAll(() => tmp.cleanup());

const FIXTURES = path.join(OWN_FIXTURES_DIR, 'peft-merge');
const BASE = path.join(HF_TINY_DIR, 'bert-seqcls', 'base');

interface Reference {
  adapters: string[];
  weights: number[];
  combination_type: CombinationType;
  density?: number;
  svd_rank?: number;
  svd_clamp?: number;
  majority_sign_method?: 'total' | 'frequency';
  masks?: { shape: number[]; key: string }[];
}

const CASES = fs
  .readdirSync(FIXTURES)
  .filter((d) => fs.existsSync(path.join(FIXTURES, d, 'reference.json')) && d !== 'sources')
  .sort();

async function predictLogits(adapterDir: string, caseDir: string): Promise<Float32Array> {
  const model = loadBaseForAdapter(BASE, adapterDir);
  const ref = loadReference(caseDir);
  try {
    const logits = await withAdapter(model, adapterDir, (hooks) =>
      tf.tidy(() => model.forward(ref.inputs, { hooks }).logits),
    );
    const data = (await logits.data()) as Float32Array;
    logits.dispose();
    return data;
  } finally {
    ref.dispose();
    model.dispose();
  }
}

/** Per module, scaling · B·A ([out, in], torch layout) from a PEFT folder's raw tensors. */
function updates(dir: string): Map<string, Float64Array> {
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'adapter_config.json'), 'utf8')) as {
    r: number;
    lora_alpha: number;
  };
  const scaling = cfg.lora_alpha / cfg.r;
  const t = readSafetensors(path.join(dir, 'adapter_model.safetensors')).tensors;
  const out = new Map<string, Float64Array>();
  for (const [name, a] of t) {
    const m = /^(.*)\.lora_A\.weight$/.exec(name);
    if (!m) continue;
    const b = t.get(`${m[1]}.lora_B.weight`) as RawTensor;
    const [r, cols] = a.shape as [number, number];
    const rows = b.shape[0] as number;
    const p = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++)
      for (let k = 0; k < r; k++)
        for (let j = 0; j < cols; j++)
          p[i * cols + j] =
            (p[i * cols + j] as number) +
            scaling * (b.data[i * r + k] as number) * (a.data[k * cols + j] as number);
    out.set(m[1] as string, p);
  }
  return out;
}

describe.each(CASES)('PEFT add_weighted_adapter %s', (name) => {
  const dir = path.join(FIXTURES, name);
  const ref = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8')) as Reference;
  const out = path.join(tmp.dir, name);

  beforeAll(async () => {
    const masks = ref.masks
      ? masksFromList(
          ref.masks.map(
            (_, i) =>
              readSafetensors(path.join(dir, 'masks.safetensors')).tensors.get(`mask_${i}`)?.data ?? [],
          ),
          ref.masks.map((m) => m.key),
        )
      : undefined;
    await mergeAdapterFolders(
      {
        model: BASE,
        sources: ref.adapters.map((a) => ({ dir: path.join(FIXTURES, 'sources', a), name: a })),
        options: mergeOptionsSchema.parse({
          type: ref.combination_type,
          weights: ref.weights,
          ...(ref.density !== undefined ? { density: ref.density } : {}),
          ...(ref.svd_rank !== undefined ? { svdRank: ref.svd_rank } : {}),
          ...(ref.svd_clamp !== undefined ? { svdClamp: ref.svd_clamp } : {}),
          ...(ref.majority_sign_method ? { majoritySign: ref.majority_sign_method } : {}),
        }),
        out,
      },
      masks,
    );
  });

  it('gives PEFT logits within 1e-4 through the predict path', async () => {
    const want = loadReference(dir);
    const got = await predictLogits(out, dir);
    expect(maxAbsDiff(got, want.logits.data, want.mask)).toBeLessThanOrEqual(1e-4);
    want.dispose();
  });

  it('has the same rank and the same update per module (the factors themselves unless SVD)', () => {
    const theirs = readAdapterFolder(dir);
    const ours = readAdapterFolder(out);
    expect(ours.config.r).toBe(theirs.config.r);
    expect(ours.config.alpha).toBe(theirs.config.alpha);
    const u = updates(out);
    const v = updates(dir);
    expect([...u.keys()].sort()).toEqual([...v.keys()].sort());
    for (const [m, p] of v) expect(maxAbsDiff(u.get(m) as Float64Array, p)).toBeLessThanOrEqual(1e-5);
    if (isSvdType(ref.combination_type) && ref.adapters.length > 1) return;
    for (const [n, t] of theirs.tensors)
      expect(
        maxAbsDiff(ours.tensors.get(n)?.data as Float32Array, t.data as Float32Array),
      ).toBeLessThanOrEqual(1e-6);
  });
});
