/**
 * A mixed batch's kernel count does not grow with the number of distinct adapters in it (issue #16: 32 mixed LoRA
 * adapters kept 76% of the single-adapter rate on an H100, where a batch's time is its kernel count). The loaded
 * adapters' LoRA matrices, IA3 vectors and heads are stacked once in the model's bank (serving/bank.ts), rebuilt on
 * load and unload, and a batch only gathers its rows from it. Without the bank, every LoRA target stacked the
 * batch's matrices and every head ran once per adapter. Exactness (mixed == alone within 1e-5, with the bank too)
 * is mixed-hooks.test.ts's.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodConfig } from '../../../src-shared/train-config.ts';
import { createAdapter } from '../../../src-main/adapters/index.ts';
import type { AdapterInstance } from '../../../src-main/adapters/index.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model } from '../../../src-main/models/index.ts';
import { loadTokenizer } from '../../../src-main/models/tokenizer/index.ts';
import { AdapterBank } from '../../../src-main/serving/bank.ts';
import { forwardRows } from '../../../src-main/serving/batch-forward.ts';
import type { ServeRow } from '../../../src-main/serving/batch-forward.ts';
import { LoadedModel } from '../../../src-main/serving/loaded.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { bottleneckConfig } from '../../helpers/methods.ts';
import { makeAdapterFolder } from '../../helpers/serve-adapters.ts';
import { tempDir } from '../../helpers/temp.ts';

const MODEL_DIR = path.join(HF_TINY_DIR, 'bert-seqcls', 'base');
const BATCH = 32;
let model: Model;
const lora: AdapterInstance[] = [];
const ia3: AdapterInstance[] = [];
const bottleneck: AdapterInstance[] = [];
const tmp = tempDir('adapter-bank-');

beforeAll(async () => {
  await useTestBackend();
  model = loadModel(MODEL_DIR);
  for (let i = 0; i < BATCH; i++) {
    // Ranks 2 and 4 alternate, so the bank pads to the largest rank.
    const config: MethodConfig = { type: 'lora', r: 2 + 2 * (i % 2), alpha: 8, dropout: 0, rslora: false };
    lora.push(createAdapter(model, config, 500 + i, { numLabels: 2 }));
    ia3.push(createAdapter(model, { type: 'ia3' }, 700 + i, { numLabels: 2 }));
    // Sequential and parallel alternate (one activation): rows pick their input per placement.
    const bn =
      i % 2
        ? bottleneckConfig({ variant: 'pfeiffer', placement: 'parallel', scaling: 2, reductionFactor: 8 })
        : bottleneckConfig({ variant: 'houlsby', reductionFactor: 4 });
    const a = createAdapter(model, bn, 900 + i, { numLabels: 2 });
    // Random weights: a fresh bottleneck's up projection is zero, which would add nothing to compare.
    for (const w of a.weights.values()) {
      const fresh = tf.tidy(() => tf.randomNormal(w.shape, 0, 0.2, 'float32', 31 * i + 5));
      w.assign(fresh);
      fresh.dispose();
    }
    bottleneck.push(a);
  }
});

afterAll(() => {
  for (const a of [...lora, ...ia3, ...bottleneck]) a.dispose();
  model?.dispose();
  tmp.cleanup();
});

const rowsOf = (adapters: readonly AdapterInstance[], distinct: number): ServeRow[] =>
  Array.from({ length: BATCH }, (_, i) => {
    const k = i % distinct;
    const ids = [2, 5 + (i % 7), 9 + ((i * 3) % 11), 3];
    return { key: `a${k}`, parts: adapters[k]!.rowwise!, ids, typeIds: ids.map(() => 0) };
  });

/** Kernels one mixed batch runs (by name), and how many tensors it leaves behind. */
async function kernels(rows: ServeRow[], bank?: AdapterBank): Promise<Map<string, number>> {
  const before = tf.memory().numTensors;
  const info = await tf.profile(async () => {
    await forwardRows(model, rows, { padId: 0, loraMode: 'gathered', ...(bank ? { bank } : {}) });
  });
  expect(tf.memory().numTensors).toBe(before);
  const counts = new Map<string, number>();
  for (const k of info.kernels) counts.set(k.name, (counts.get(k.name) ?? 0) + 1);
  return counts;
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

describe.each([
  ['LoRA', lora],
  ['IA3', ia3],
  ['bottleneck', bottleneck],
])('a mixed batch of %s adapters', (method, adapters) => {
  it('runs as many kernels with 32 distinct adapters as with two, from the bank', async () => {
    const bank = new AdapterBank();
    bank.rebuild(adapters.map((a, i) => ({ key: `a${i}`, parts: a.rowwise! })));
    // Two: a sequential and a parallel bottleneck (each placement's few kernels), two LoRA ranks.
    const one = await kernels(rowsOf(adapters, 2), bank);
    const many = await kernels(rowsOf(adapters, BATCH), bank);
    const [oneOwn, manyOwn] = [await kernels(rowsOf(adapters, 2)), await kernels(rowsOf(adapters, BATCH))];
    // The numbers docs/SERVING.md reports (bank vs the batch's own stacks, 1 vs 32 distinct adapters).
    console.log(
      `${method}: kernels per batch of ${BATCH}: bank ${total(one)} / ${total(many)}, ` +
        `own stacks ${total(oneOwn)} / ${total(manyOwn)} (2 / 32 distinct adapters)`,
    );
    expect(total(many)).toBe(total(one));
    expect([...many]).toEqual([...one]);
    // Without the bank the same batch grows with its adapters: what the bank removes.
    expect(total(manyOwn)).toBeGreaterThan(total(oneOwn) + BATCH);
    // And the bank's batch is the per-adapter batch's, row for row (that one equals each adapter alone).
    const rows = rowsOf(adapters, BATCH);
    const banked = await forwardRows(model, rows, { padId: 0, loraMode: 'gathered', bank });
    const own = await forwardRows(model, rows, { padId: 0, loraMode: 'gathered' });
    const diff = (a: Float32Array, b: Float32Array) =>
      a.length !== b.length ? Infinity : a.reduce((m, v, j) => Math.max(m, Math.abs(v - b[j]!)), 0);
    banked.forEach((r, i) => {
      expect(diff(r.embedding, own[i]!.embedding), `row ${i} embedding`).toBeLessThan(1e-5);
      expect(diff(r.logits, own[i]!.logits), `row ${i} logits`).toBeLessThan(1e-5);
    });
    bank.dispose();
  });
});

describe('LoadedModel with a bank', () => {
  it('follows loads, evictions and unloads, and lets every tensor go on dispose', async () => {
    const dirs = await Promise.all(
      (
        [
          ['l1', { type: 'lora', r: 4, alpha: 8, dropout: 0, rslora: false }],
          ['l2', { type: 'lora', r: 2, alpha: 4, dropout: 0, rslora: false }],
          ['i1', { type: 'ia3' }],
        ] as [string, MethodConfig][]
      ).map(([key, config], i) =>
        makeAdapterFolder(model, path.join(tmp.dir, key), config, ['x', 'y'], 40 + i),
      ),
    );
    const start = tf.memory().numTensors;
    const entry = new LoadedModel('tiny', loadModel(MODEL_DIR), loadTokenizer(MODEL_DIR), true, {
      bank: true,
    });
    const bank = entry.bank!;
    const ref = (i: number) => ({ key: ['l1', 'l2', 'i1'][i]!, dir: dirs[i]! });
    const l1 = entry.adapter(ref(0), 2).loaded;
    const l2 = entry.adapter(ref(1), 2).loaded;
    expect(bank.slotOf('l1', l1.instance.rowwise!)).toBe(1);
    expect(bank.slotOf('l2', l2.instance.rowwise!)).toBe(2);
    const parts = l1.instance.rowwise;
    const loraModule = parts?.kind === 'lora' ? [...parts.pairs.keys()][0]! : '';
    // Slot 0 (no adapter) and two adapters, padded to rank 4.
    const [slots, , rank] = bank.lora(loraModule)!.a.shape;
    expect([slots, rank]).toEqual([3, 4]);
    // Capacity 2: loading the IA3 evicts l1, and the bank follows.
    const i1 = entry.adapter(ref(2), 2).loaded;
    expect(bank.slotOf('l1', l1.instance.rowwise!)).toBeUndefined();
    expect(bank.slotOf('l2', l2.instance.rowwise!)).toBe(1);
    expect(bank.slotOf('i1', i1.instance.rowwise!)).toBe(2);
    // One slot fewer; the rank stays padded to the largest seen.
    expect(bank.lora(loraModule)!.a.shape.slice(0, 3)).toEqual([3, bank.lora(loraModule)!.a.shape[1], 4]);
    // After the eviction moved the slots, a banked batch still equals the batch's own stacks (exact per
    // mixed-hooks.test.ts): rows of l2, i1 and the base.
    const rows: ServeRow[] = [l2, i1, null].map((a, i) => {
      const ids = [2, 7 + i, 11, 3];
      return { key: a?.key ?? null, parts: a?.instance.rowwise ?? null, ids, typeIds: ids.map(() => 0) };
    });
    const opts = { padId: 0, loraMode: 'gathered' as const };
    const banked = await forwardRows(entry.model, rows, { ...opts, bank });
    const own = await forwardRows(entry.model, rows, opts);
    const diff = (a: Float32Array, b: Float32Array) =>
      a.length !== b.length ? Infinity : a.reduce((m, v, j) => Math.max(m, Math.abs(v - b[j]!)), 0);
    banked.forEach((r, i) => {
      expect(diff(r.embedding, own[i]!.embedding), `row ${i} embedding`).toBeLessThan(1e-5);
      expect(diff(r.logits, own[i]!.logits), `row ${i} logits`).toBeLessThan(1e-5);
    });
    expect(entry.unload('l2')).toBe(true);
    expect(bank.lora(loraModule)).toBeUndefined();
    expect(bank.numTensors).toBeGreaterThan(0);
    entry.dispose();
    expect(bank.numTensors).toBe(0);
    expect(tf.memory().numTensors).toBe(start);
  });
});
