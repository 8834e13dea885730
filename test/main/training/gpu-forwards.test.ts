/**
 * Evaluation's forwards captured and replayed on webgpu (training/gpu-forwards.ts): the metrics equal evaluation
 * op by op after every change of the trained weights (as between epochs), for a classifier whose validation set
 * spans two length buckets and ends with a short batch (padded with masked rows), and for a causal LM. On lavapipe
 * where no GPU is present; skipped, with the reason, where WebGPU cannot start.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { GpuForwards } from '../../../src-main/training/gpu-forwards.ts';
import type { Example } from '../../../src-main/training/session.ts';
import { loraTask } from '../../helpers/lora-task.ts';
import { useWebGpuForTests } from '../../helpers/webgpu.ts';

const unavailable = await useWebGpuForTests();
if (unavailable) console.warn(`webgpu evaluation-capture tests skipped: ${unavailable}`);

/** 7 rows of 5 to 40 tokens: batches of 3, the last of 1 row. */
const rows: Example[] = [5, 40, 12, 30, 9, 22, 14].map((len, r) => {
  const ids = [2, ...Array.from({ length: len }, (_, i) => 5 + ((r * 31 + i * 7) % 90)), 3];
  return { ids, typeIds: ids.map(() => 0), label: r % 2 };
});

describe.skipIf(unavailable !== null)('evaluation forwards captured on webgpu', () => {
  it.each([
    ['bert-seqcls', false],
    ['gpt2-lm', true],
  ] as const)(
    '%s: replays give the metrics of evaluating op by op, as the weights change',
    async (fixture, lm) => {
      const t = loraTask({
        fixture,
        lm,
        train: rows,
        validation: rows,
        options: { maxLength: 64, batchSize: 3, evalBatchSize: 3 },
      });
      const { model, task } = t;
      expect(task.captureEvaluation).toBe(true);
      await task.evaluate(); // the model's own cached constants (masks, positions) made before counting
      const before = tf.memory().numTensors;
      const logs: string[] = [];
      const forwards = new GpuForwards(
        () => [...task.trainable.values()],
        (m) => logs.push(m),
      );
      const trained = [...task.trainable.values()];
      const shapes = new Set<string>();
      const forward = model.forward.bind(model);
      model.forward = (inputs, o) => {
        shapes.add(inputs.inputIds?.shape.join('x') ?? '');
        return forward(inputs, o);
      };
      for (let round = 0; round < 5; round++) {
        // New weights each round (as an epoch of training leaves them); the LoRA B matrices start at zero.
        for (const [i, v] of trained.entries()) {
          const next = tf.randomNormal(v.shape, 0, 0.2, 'float32', 100 * round + i);
          v.assign(next);
          next.dispose();
        }
        const captured = await task.evaluate(undefined, forwards);
        const plain = await task.evaluate();
        expect(Object.keys(captured).sort()).toEqual(Object.keys(plain).sort());
        for (const [k, value] of Object.entries(plain))
          expect(Math.abs((captured[k] as number) - value)).toBeLessThan(1e-5 * Math.max(1, Math.abs(value)));
      }
      expect(logs).toEqual([]);
      model.forward = forward;
      // 3 batches per round, of as many shapes as the buckets the run planned (the short one padded to 3 rows): each
      // shape runs plainly once and is recorded twice, the rest replay.
      expect([...shapes].every((s) => s.startsWith('3x'))).toBe(true);
      expect(forwards.runs).toBe(15);
      // (A shape's first two recordings may differ by a constant still being made: it records a third.)
      expect(forwards.replayed).toBeLessThanOrEqual(15 - 3 * shapes.size);
      expect(forwards.replayed).toBeGreaterThanOrEqual(15 - 3 * shapes.size - 1);
      forwards.dispose();
      expect(tf.memory().numTensors).toBe(before);
      t.dispose();
    },
  );
});
