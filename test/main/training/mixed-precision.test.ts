/**
 * Mixed-precision training (train option `precision: 'mixed'`): the loss scaler's rules, then real LoRA runs of the
 * training loop on webgpu (lavapipe where no GPU is present), captured and op by op: they learn like fp32 runs, say
 * so in the run log, and a step whose scaled gradients overflow f16 changes no weight and is logged as skipped.
 * Elsewhere (wasm) 'mixed' trains in fp32 and the log says why.
 */
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mixedPrecisionOn } from '../../../src-main/engine/webgpu/mixed-precision.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model } from '../../../src-main/models/index.ts';
import { LOSS_SCALE, LossScaler, startPrecision } from '../../../src-main/training/loss-scale.ts';
import type { Example } from '../../../src-main/training/session.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { runLoraLoop } from '../../helpers/lora-loop.ts';
import { useWebGpuForTests } from '../../helpers/webgpu.ts';

describe('loss scaler', () => {
  it('halves the scale a skipped step used, once for two pipelined steps made with it, and logs each skip', () => {
    const logs: string[] = [];
    const s = new LossScaler((m) => logs.push(m));
    expect(s.scale).toBe(LOSS_SCALE.initial);
    expect(s.record(1, 65536, false)).toBe(false);
    expect(s.scale).toBe(32768);
    // Step 2 was launched before step 1's overflow was known: same scale, so no second halving.
    expect(s.record(2, 65536, false)).toBe(false);
    expect(s.scale).toBe(32768);
    expect(s.record(3, 32768, true)).toBe(true);
    expect(s.skipped).toBe(2);
    expect(logs[0]).toBe(
      'step 1 skipped: its gradients overflowed f16 at loss scale 65536; loss scale now 32768',
    );
    expect(s.summary()).toBe(
      'mixed precision: 2 steps skipped for f16 overflow; loss scale at the end 32768',
    );
  });

  it('doubles after 2,000 finite steps in a row; an overflow restarts the count; below 1 it is exhausted', () => {
    const s = new LossScaler(() => undefined, 4);
    for (let i = 1; i < LOSS_SCALE.interval; i++) s.record(i, 4, true);
    expect(s.scale).toBe(4);
    s.record(LOSS_SCALE.interval, 4, true);
    expect(s.scale).toBe(8);
    s.record(1, 8, false);
    for (let i = 0; i < LOSS_SCALE.interval - 1; i++) s.record(i, 4, true);
    expect(s.scale).toBe(4);
    const low = new LossScaler(() => undefined, 1);
    low.record(1, 1, false);
    expect(low.exhausted()).toBe(true);
  });
});

const unavailable = await useWebGpuForTests();
if (unavailable) console.warn(`mixed-precision training tests skipped: ${unavailable}`);

let model: Model | undefined;
afterAll(() => model?.dispose());
afterEach(() => {
  delete process.env.STUDIO_LOSS_SCALE;
});

const examples = (n: number): Example[] =>
  Array.from({ length: n }, (_, r) => {
    const ids = [2, ...Array.from({ length: 6 + (r % 5) }, (_, i) => 5 + ((r * 31 + i * 7) % 90)), 3];
    return { ids, typeIds: ids.map(() => 0), label: r % 3 };
  });

const run = (capture: boolean, precision: 'fp32' | 'mixed') => {
  model ??= loadModel(path.join(HF_TINY_DIR, 'bert-seqcls', 'base'));
  return runLoraLoop(model, examples(12), {
    capture,
    options: { epochs: 3, batchSize: 3, lr: 5e-3, seed: 4, dropout: false, gradClip: 1, precision },
    lora: { r: 4, alpha: 8 },
    adapterSeed: 3,
    numLabels: 3,
    length: 16,
  });
};

describe.skipIf(unavailable !== null)('mixed-precision training on webgpu', () => {
  it('learns like fp32 (captured and op by op alike), with products in f16, and says so in the run log', async () => {
    const fp32 = await run(true, 'fp32');
    const captured = await run(true, 'mixed');
    const eager = await run(false, 'mixed');
    expect(mixedPrecisionOn()).toBe(false); // switched off again at the run's end
    for (const r of [captured, eager]) {
      expect(r.result.status).toBe('completed');
      expect(r.logs.some((l) => l.startsWith("mixed precision: products' operands in f16"))).toBe(true);
      expect(r.logs).toContain(
        'mixed precision: 0 steps skipped for f16 overflow; loss scale at the end 65536',
      );
      expect(r.losses).toHaveLength(fp32.losses.length);
      // f16 operands move a loss by ~1e-3 of itself; the runs agree to 1e-2.
      r.losses.forEach((l, i) => expect(Math.abs(l - (fp32.losses[i] as number))).toBeLessThan(1e-2));
    }
    expect(captured.losses.some((l, i) => l !== fp32.losses[i])).toBe(true);
    captured.losses.forEach((l, i) => expect(l).toBeCloseTo(eager.losses[i] as number, 5));
    expect(captured.logs.some((l) => l.includes('replayed'))).toBe(true);
  });

  it('a step whose scaled gradients overflow f16 changes no weight and is logged as skipped', async () => {
    // 1e30 is finite in f32 but far past f16's 65,504: every step's gradients overflow.
    process.env.STUDIO_LOSS_SCALE = '1e30';
    const skipped = await run(true, 'mixed');
    expect(skipped.result.status).toBe('completed');
    expect(skipped.logs.find((l) => l.startsWith('step 1 '))).toMatch(
      /^step 1 skipped: its gradients overflowed f16 at loss scale 1e\+30; loss scale now 5e\+29$/,
    );
    // Pipelined steps: each step's overflow is known after the next is launched with the same scale, so each
    // scale is used twice and halved once.
    expect(skipped.logs.at(-1)).toBe(
      `mixed precision: 12 steps skipped for f16 overflow; loss scale at the end ${1e30 / 2 ** 6}`,
    );
    // The same adapter seed gives the same initial weights: a run that never updated ends with them.
    const fresh = await freshWeights();
    expect(fresh.size).toBeGreaterThan(0);
    for (const [k, w] of fresh) expect(skipped.weights.get(k)).toEqual(w);
  });

  it('off webgpu, mixed trains in fp32 and the log says why', async () => {
    await tf.setBackend('cpu');
    try {
      const logs: string[] = [];
      expect(startPrecision('mixed', (m) => logs.push(m))).toBeNull();
      expect(mixedPrecisionOn()).toBe(false);
      expect(logs).toEqual([
        'mixed precision asked for, but mixed precision runs on the webgpu backend (this run uses cpu): this run trains in fp32',
      ]);
    } finally {
      await tf.setBackend('webgpu');
    }
  });
});

/** The adapter's weights as created with the runs' seed, before any step. */
async function freshWeights(): Promise<Map<string, number[]>> {
  const { createAdapter } = await import('../../../src-main/adapters/index.ts');
  const adapter = createAdapter(
    model as Model,
    { type: 'lora', r: 4, alpha: 8, dropout: 0.1, rslora: false },
    3,
    { numLabels: 3 },
  );
  const out = new Map<string, number[]>();
  for (const [k, v] of adapter.weights) out.set(k, Array.from(await v.data()));
  adapter.dispose();
  return out;
}
