/**
 * Training batches on webgpu padded to length buckets (length-buckets.ts) by buildTask, for a classifier and a
 * causal LM (whose targets and mask follow the padded length): the shapes are the bucket's, and the loss is the one
 * of the same batch padded to the max length, since padding is masked. On lavapipe where no GPU is present;
 * skipped, with the reason, where WebGPU cannot start.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTask } from '../../../src-main/training/session.ts';
import type { Batch, Example } from '../../../src-main/training/session.ts';
import { loraTask } from '../../helpers/lora-task.ts';
import { useWebGpuForTests } from '../../helpers/webgpu.ts';

const unavailable = await useWebGpuForTests();
// Every bucket, however few batches these tiny runs have (a run's plan would leave out buckets on a model this small).
process.env.STUDIO_LENGTH_BUCKETS = 'all';
afterAll(() => {
  delete process.env.STUDIO_LENGTH_BUCKETS;
});
if (unavailable) console.warn(`webgpu length-bucket tests skipped: ${unavailable}`);

/** Rows of 7 to 25 tokens: their batch falls in the bucket 32 of max length 64. */
const rows: Example[] = [5, 23, 12, 17].map((len, r) => {
  const ids = [2, ...Array.from({ length: len }, (_, i) => 5 + ((r * 31 + i * 7) % 90)), 3];
  return { ids, typeIds: ids.map(() => 0), label: r % 2 };
});

const tokens = (r: number): number => (rows[r] as { ids: number[] }).ids.length;

describe.skipIf(unavailable !== null)('length buckets on webgpu', () => {
  it.each([
    ['bert-seqcls', false],
    ['gpt2-lm', true],
  ] as const)(
    '%s: a batch padded to its bucket has the loss of one padded to the max length',
    async (fixture, lm) => {
      const t = loraTask({ fixture, lm, train: rows, options: { maxLength: 64, batchSize: 4 } });
      const losses: number[] = [];
      const shapes: number[][][] = [];
      for (const task of [t.task, buildTask({ ...t.common, fixedLength: 64 })]) {
        const b: Batch = task.makeBatch([0, 1, 2, 3], 'train');
        shapes.push([b.inputs.inputIds?.shape ?? [], b.lm?.targets.shape ?? [], b.lm?.mask.shape ?? []]);
        const loss = task.loss(b, { training: false, step: 0 });
        losses.push((await loss.data())[0] ?? NaN);
        tf.dispose(loss);
        task.disposeBatch(b);
      }
      expect(shapes[0]).toEqual(
        lm
          ? [
              [4, 32],
              [4, 31],
              [4, 31],
            ]
          : [[4, 32], [], []],
      );
      expect(shapes[1]?.[0]).toEqual([4, 64]);
      expect(Math.abs((losses[0] as number) - (losses[1] as number))).toBeLessThan(
        1e-5 * Math.abs(losses[1] as number),
      );
      t.dispose();
    },
  );

  it.each([
    ['bert-seqcls', false],
    ['gpt2-lm', true],
  ] as const)(
    '%s: a shorter batch padded with masked rows has the full shape, and the loss and gradients of its rows',
    async (fixture, lm) => {
      const t = loraTask({
        fixture,
        lm,
        train: rows,
        options: { maxLength: 64, batchSize: 4 },
        dropout: 0.1,
      });
      const padded = t.task;
      // A given length pads no rows: the same two rows as they are, the reference.
      const plain = buildTask({ ...t.common, fixedLength: 32 });
      expect([padded.padding?.rows, plain.padding?.rows]).toEqual([4, undefined]);
      const results: { shape: number[]; loss: number; grads: Float32Array[] }[] = [];
      for (const task of [padded, plain]) {
        const b: Batch = task.makeBatch([1, 3], 'train');
        // Dropout on: each real row must draw the masks it draws unpadded (the padded rows come after it).
        const { value, grads } = tf.variableGrads(
          () => task.loss(b, { training: true, step: 3 }),
          [...task.trainable.values()],
        );
        results.push({
          shape: b.inputs.inputIds?.shape ?? [],
          loss: (await value.data())[0] ?? NaN,
          grads: await Promise.all(Object.values(grads).map((g) => g.data() as Promise<Float32Array>)),
        });
        expect(b.units).toBe(tokens(1) + tokens(3));
        tf.dispose([value, ...Object.values(grads)]);
        task.disposeBatch(b);
      }
      const [p, q] = results as [(typeof results)[0], (typeof results)[0]];
      expect([p.shape, q.shape]).toEqual([
        [4, 32],
        [2, 32],
      ]);
      expect(Math.abs(p.loss - q.loss)).toBeLessThan(1e-5 * Math.abs(q.loss));
      let worst = 0;
      let scale = 0;
      p.grads.forEach((g, i) =>
        g.forEach((x, j) => {
          const y = q.grads[i]?.[j] ?? NaN;
          worst = Math.max(worst, Math.abs(x - y));
          scale = Math.max(scale, Math.abs(y));
        }),
      );
      expect(scale).toBeGreaterThan(0);
      expect(worst).toBeLessThan(1e-5 * scale);
      t.dispose();
    },
  );

  it.each([
    [
      2,
      [
        [2, 32],
        [2, 32],
      ],
    ],
    // Batches of 3 and 1: the last padded with masked rows to 3.
    [
      3,
      [
        [3, 32],
        [3, 32],
      ],
    ],
  ])(
    'evaluates in batches of %i padded to the buckets, with the metrics of each row run alone',
    async (evalRows, shapes) => {
      const t = loraTask({
        fixture: 'bert-seqcls',
        lm: false,
        train: rows,
        validation: rows,
        options: { maxLength: 64, batchSize: 2, evalBatchSize: evalRows },
      });
      const { model, adapter, task } = t;
      const seen: number[][] = [];
      const forward = model.forward.bind(model);
      model.forward = (inputs, o) => {
        seen.push(inputs.inputIds?.shape ?? []);
        return forward(inputs, o);
      };
      const onGpu = await task.evaluate();
      model.forward = forward;
      // Rows of 7, 25, 14 and 19 tokens: longest 25 and 19 (batches of 2) or 25 and 19 (3 and 1), all in bucket 32.
      expect(seen).toEqual(shapes);
      // Each row alone, unpadded: the reference loss and predictions.
      let lossSum = 0;
      let correct = 0;
      for (const r of rows as { ids: number[]; label: number }[]) {
        const logits = tf.tidy(
          () =>
            model.forward(
              {
                inputIds: tf.tensor2d([r.ids], [1, r.ids.length], 'int32'),
                attentionMask: tf.ones([1, r.ids.length], 'int32') as tf.Tensor2D,
                tokenTypeIds: tf.zeros([1, r.ids.length], 'int32') as tf.Tensor2D,
              },
              { hooks: adapter.hooks },
            ).logits,
        );
        const [a, b] = Array.from(await logits.data());
        logits.dispose();
        const m = Math.max(a as number, b as number);
        const lse = m + Math.log(Math.exp((a as number) - m) + Math.exp((b as number) - m));
        lossSum += lse - (r.label === 0 ? (a as number) : (b as number));
        if (((b as number) > (a as number) ? 1 : 0) === r.label) correct++;
      }
      expect(onGpu.accuracy).toBe(correct / rows.length);
      expect(Math.abs((onGpu.loss as number) - lossSum / rows.length)).toBeLessThan(1e-4);
      t.dispose();
    },
  );
});
