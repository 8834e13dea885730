/**
 * The method x architecture matrix for the learned router (adapters/router/), on every text architecture: while it
 * trains, its output is its own logits over the adapters (one class per adapter) and a step moves only its head
 * (the base and the routed adapters stay bit-identical); with its output layer at zero it starts as the uniform
 * mixture of its adapters' answers (its N(0, 0.02) start is close to that); hard routing answers exactly as the
 * picked adapter alone; both modes save and load exactly.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodConfig } from '../../../src-shared/train-config.ts';
import {
  accountParams,
  baseIdentity,
  createAdapter,
  loadAdapter,
  saveAdapter,
} from '../../../src-main/adapters/index.ts';
import type { RouterAdapter } from '../../../src-main/adapters/router/index.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model } from '../../../src-main/models/index.ts';
import { AdamW } from '../../../src-main/training/adamw.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { bottleneck16 } from '../../helpers/methods.ts';
import type { loadReference } from '../../helpers/reference.ts';
import { maxAbsDiff } from '../../helpers/reference.ts';
import {
  ROUTER_LABELS as LABELS,
  ROUTER_TEXT_FIXTURES,
  loadRouterFixture,
} from '../../helpers/router-fixture.ts';
import { tempDir } from '../../helpers/temp.ts';

const UNION = ['spam', 'other', 'female'];

const tmp = tempDir('studio-router-matrix-');
beforeAll(useTestBackend);
afterAll(() => tmp.cleanup());

async function snapshot(model: Model): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const n of model.params.names()) out.set(n, Float32Array.from(await model.params.get(n).data()));
  return out;
}

/** Softmax of a router's answer, row by row; the answer is disposed. */
async function softmaxRows(answer: tf.Tensor2D): Promise<number[][]> {
  const p = tf.softmax(answer);
  answer.dispose();
  const rows = (await p.array()) as number[][];
  p.dispose();
  return rows;
}

/** Source n's probabilities placed in the union's columns. */
function placed(model: Model, inputs: Parameters<Model['forward']>[0], dir: string, own: string[]) {
  const a = loadAdapter(model, dir);
  const p = tf.tidy(
    () => tf.softmax(model.forward(inputs, { hooks: a.hooks }).logits).arraySync() as number[][],
  );
  a.dispose();
  return p.map((row) => UNION.map((l) => (own.includes(l) ? (row[own.indexOf(l)] as number) : 0)));
}

describe.each(ROUTER_TEXT_FIXTURES)('router on %s', (fixture) => {
  let model: Model;
  let ref: ReturnType<typeof loadReference>;
  let sources: string[] = [];
  beforeAll(async () => {
    ({ model, ref, sources } = await loadRouterFixture(fixture, tmp.dir));
  });
  afterAll(() => {
    ref.dispose();
    model.dispose();
  });

  it('trains only its head over the adapters; the base and the adapters stay bit-identical', async () => {
    const config: MethodConfig = { type: 'router', adapters: sources, mode: 'soft', perTask: 600 };
    const router = createAdapter(model, config, 3, { numLabels: 2 }) as RouterAdapter;
    const head = [...router.weights.values()];
    expect(accountParams(model, router).trainable).toBe(head.reduce((a, w) => a + w.size, 0));
    const out = tf.tidy(() => model.forward(ref.inputs, { hooks: router.hooks }).logits);
    expect(out.shape).toEqual([ref.inputs.inputIds?.shape[0], 2]);
    out.dispose();
    const before = await snapshot(model);
    const srcBefore = await Promise.all(
      [...(router.sources[0]?.weights.values() ?? [])].map((w) => w.data()),
    );
    const { value, grads } = tf.variableGrads(
      () =>
        tf.tidy(() => {
          const o = model.forward(ref.inputs, { hooks: router.hooks, training: true }).logits;
          return o.mul(tf.randomUniform(o.shape, -1, 1, 'float32', 3)).sum() as tf.Scalar;
        }),
      head,
    );
    const opt = new AdamW();
    opt.apply(
      new Map(router.weights),
      new Map([...router.weights].map(([n, v]) => [n, grads[v.name] as tf.Tensor])),
      1e-2,
    );
    tf.dispose([value, ...Object.values(grads)]);
    opt.dispose();
    const after = await snapshot(model);
    for (const [n, data] of before)
      expect(Buffer.from((after.get(n) as Float32Array).buffer).equals(Buffer.from(data.buffer))).toBe(true);
    const srcAfter = await Promise.all([...(router.sources[0]?.weights.values() ?? [])].map((w) => w.data()));
    srcAfter.forEach((d, i) => expect(maxAbsDiff(d, srcBefore[i] ?? [])).toBe(0));
    router.dispose();
  });

  it('starts as the uniform mixture (output layer at zero); hard answers as the picked adapter alone', async () => {
    const expected = LABELS.map((own, i) => placed(model, ref.inputs, sources[i] as string, own));
    const soft = createAdapter(model, { type: 'router', adapters: sources, mode: 'soft', perTask: 600 }, 3, {
      numLabels: 2,
    }) as RouterAdapter;
    expect(soft.labels).toEqual(UNION);
    // Its N(0, 0.02) start is near uniform; with the output layer at zero it is exactly uniform.
    for (const w of soft.weights.values()) if (w.shape.at(-1) === 2) w.assign(tf.zerosLike(w));
    const mixed = await softmaxRows(await soft.forward(model, ref.inputs));
    mixed.forEach((row, r) =>
      row.forEach((p, c) =>
        expect(p).toBeCloseTo(((expected[0]?.[r]?.[c] ?? 0) + (expected[1]?.[r]?.[c] ?? 0)) / 2, 5),
      ),
    );
    expect((await soft.routing(model, ref.inputs))[0]).toEqual([
      { source: 0, weight: 0.5 },
      { source: 1, weight: 0.5 },
    ]);
    soft.dispose();

    const hard = createAdapter(model, { type: 'router', adapters: sources, mode: 'hard', perTask: 600 }, 4, {
      numLabels: 2,
    }) as RouterAdapter;
    const picks = await hard.routing(model, ref.inputs);
    const answers = await softmaxRows(await hard.forward(model, ref.inputs));
    answers.forEach((row, r) => {
      const pick = picks[r] ?? [];
      expect(pick).toHaveLength(1);
      expect(pick[0]?.weight).toBe(1);
      const alone = expected[pick[0]?.source ?? -1]?.[r] ?? [];
      expect(maxAbsDiff(row, alone)).toBeLessThanOrEqual(1e-6);
    });
    hard.dispose();
  });

  it.each(['soft', 'hard'] as const)(
    '%s: saves and loads exactly, answering over the union of labels',
    async (mode) => {
      const router = createAdapter(model, { type: 'router', adapters: sources, mode, perTask: 600 }, 7, {
        numLabels: 2,
      }) as RouterAdapter;
      // Trained-looking: the router's head off its start, so the two adapters get different weights.
      let s = 11;
      for (const v of router.weights.values())
        v.assign(tf.tidy(() => v.add(tf.randomNormal(v.shape, 0, 0.5, 'float32', s++))));
      const out = await router.forward(model, ref.inputs);
      const routed = await router.routing(model, ref.inputs);
      const dir = path.join(tmp.dir, fixture, `saved-${mode}`);
      await saveAdapter(
        model,
        router,
        { adapters: sources, mode, perTask: 600, task: 'classification', labels: ['01 a', '02 b'] },
        dir,
        baseIdentity(model),
      );
      router.dispose();
      const loaded = loadAdapter(model, dir) as RouterAdapter;
      expect(loaded.method).toBe('router');
      expect(loaded.labels).toEqual(UNION);
      const again = await loaded.forward(model, ref.inputs);
      expect(maxAbsDiff(await again.data(), await out.data())).toBe(0);
      expect(await loaded.routing(model, ref.inputs)).toEqual(routed);
      loaded.dispose();
      tf.dispose([out, again]);
    },
  );
});

describe('router on gpt2-lm', () => {
  it('refuses adapters that answer no labels, in one line', async () => {
    const model = loadModel(path.join(HF_TINY_DIR, 'gpt2-lm', 'base'));
    const dirs: string[] = [];
    for (const i of [0, 1]) {
      const dir = path.join(tmp.dir, 'gpt2-lm', `lm-${i}`);
      const a = createAdapter(model, bottleneck16('pfeiffer'), i + 1);
      await saveAdapter(model, a, { task: 'causal-lm', labels: [] }, dir, baseIdentity(model));
      a.dispose();
      dirs.push(dir);
    }
    expect(() =>
      createAdapter(model, { type: 'router', adapters: dirs, mode: 'soft', perTask: 600 }, 1),
    ).toThrow(/router: source 0 .* is not a classifier with labels/);
    model.dispose();
  });
});
