/**
 * Compiling GPU programs ahead in tf.js's compile-only mode (engine/webgpu/compile-ahead.ts): the programs are
 * ready afterwards, nothing the pass touched changed (variables it reassigned are put back, no tensor is left),
 * and a training run whose first step was compiled ahead equals one compiled as it ran, bit for bit. Its own file,
 * so that its process starts with no program compiled. On lavapipe where no GPU is present; skipped, with the
 * reason, where WebGPU cannot start.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { webgpuBackend } from '../../../../src-main/engine/webgpu/backend-internals.ts';
import { compileAhead } from '../../../../src-main/engine/webgpu/compile-ahead.ts';
import { loadModel } from '../../../../src-main/models/index.ts';
import type { Model } from '../../../../src-main/models/index.ts';
import type { Example } from '../../../../src-main/training/session.ts';
import { HF_TINY_DIR } from '../../../helpers/fixtures.ts';
import { runLoraLoop } from '../../../helpers/lora-loop.ts';
import { useWebGpuForTests } from '../../../helpers/webgpu.ts';

const unavailable = await useWebGpuForTests();
if (unavailable) console.warn(`webgpu compile-ahead tests skipped: ${unavailable}`);

let model: Model | undefined;
afterAll(() => {
  model?.dispose();
  delete process.env.STUDIO_GPU_COMPILE_AHEAD;
});

const programs = (): Record<string, unknown> => webgpuBackend()?.pipelineCache ?? {};

describe.skipIf(unavailable !== null)('compiling ahead on webgpu', () => {
  it('compiles the programs, puts back the variables the pass reassigned and leaves no tensor', async () => {
    const w = tf.variable(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]), true, 'ahead/w');
    const x = tf.tensor2d([0.5, -1, 2, 1, 0, -3, 2, 2, 1, -1, 0, 4], [4, 3]);
    const step = (): tf.Tensor[] => {
      const y = tf.tidy(() => x.matMul(w).relu().mul(3.5).sum(0));
      const next = tf.tidy(() => w.sub(w.mul(0.25))) as tf.Tensor2D;
      w.assign(next);
      next.dispose();
      return [y];
    };
    const before = tf.memory().numTensors;
    const known = new Set(Object.keys(programs()));
    await compileAhead(step);
    const added = Object.keys(programs()).filter((k) => !known.has(k));
    expect(added.length).toBeGreaterThanOrEqual(3);
    for (const k of added) expect(programs()[k]).not.toBeInstanceOf(Promise);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(await w.data())).toEqual([1, 2, 3, 4, 5, 6]);
    // The real run finds its programs compiled and computes as if nothing had run before.
    const count = Object.keys(programs()).length;
    const [y] = step();
    expect(Object.keys(programs()).length).toBe(count);
    expect(Array.from(await (y as tf.Tensor).data())).toEqual([138.25, 171.5]);
    expect(Array.from(await w.data())).toEqual([0.75, 1.5, 2.25, 3, 3.75, 4.5]);
    tf.dispose([y as tf.Tensor, w, x]);
  });

  it('a training run compiled ahead equals one compiled as it runs, bit for bit', async () => {
    model = loadModel(path.join(HF_TINY_DIR, 'bert-seqcls/base'));
    const rows: Example[] = Array.from({ length: 8 }, (_, r) => {
      const ids = [2, ...Array.from({ length: 5 + r }, (_, i) => 5 + ((r * 31 + i * 7) % 90)), 3];
      return { ids, typeIds: ids.map(() => 0), label: r % 3 };
    });
    const train = (ahead: boolean) => {
      process.env.STUDIO_GPU_COMPILE_AHEAD = ahead ? '1' : '0';
      return runLoraLoop(model as Model, rows, {
        capture: true,
        options: { epochs: 2, batchSize: 4, lr: 5e-3, seed: 7, dropout: true, gradClip: 1 },
        lora: { r: 4, alpha: 8 },
        adapterSeed: 3,
        numLabels: 3,
        length: 16,
      });
    };
    // First, while its programs are not compiled yet: the run's first step compiles them ahead.
    const ahead = await train(true);
    const line = ahead.logs.find((m) => m.startsWith('GPU programs compiled ahead')) ?? '';
    expect(Number(/compiled ahead: (\d+) in \d+\.\d\d s/.exec(line)?.[1])).toBeGreaterThan(20);
    const plain = await train(false);
    expect(plain.logs.some((m) => m.startsWith('GPU programs compiled ahead'))).toBe(false);
    expect(ahead.losses).toEqual(plain.losses);
    for (const [k, w] of plain.weights) expect(ahead.weights.get(k)).toEqual(w);
  });
});
