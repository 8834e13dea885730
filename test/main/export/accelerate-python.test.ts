/**
 * train.py reports what the studio would: its schedule, metrics and weight-decay rule (resources/accelerate/
 * studio_loop.py, plain Python) computed by python3 on the same cases as the studio's own functions.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ACCELERATE_PY_DIR } from '../../../src-main/export/accelerate.ts';
import { defaultNoDecay } from '../../../src-main/training/adamw.ts';
import { accuracy, macroF1 } from '../../../src-main/training/metrics.ts';
import { learningRate } from '../../../src-main/training/schedule.ts';
import type { ScheduleKind } from '../../../src-main/training/schedule.ts';

/** Runs `expr` (Python, over `cases`) with studio_loop imported; returns its JSON. */
function python(cases: unknown, expr: string): unknown {
  const code = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(ACCELERATE_PY_DIR)})`,
    'from studio_loop import *',
    'cases = json.load(sys.stdin)',
    `print(json.dumps(${expr}))`,
  ].join('\n');
  const r = spawnSync('python3', ['-c', code], { input: JSON.stringify(cases), encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** Seeded pseudo-random integers below n. */
function draws(seed: number, count: number, n: number): number[] {
  let a = seed;
  return Array.from({ length: count }, () => {
    a = (a * 1103515245 + 12345) % 2147483648;
    return a % n;
  });
}

describe('studio_loop.py against the studio', () => {
  it('gives the same learning rate at every step of every schedule', () => {
    const cases: [number, ScheduleKind, number, number, number][] = [];
    for (const kind of ['linear', 'cosine', 'constant'] as const)
      for (const [total, warmup] of [
        [10, 0],
        [37, 2],
        [400, 24],
      ] as const)
        for (let step = 0; step <= total; step += total > 50 ? 7 : 1)
          cases.push([step, kind, 0.002, total, warmup]);
    const ours = cases.map(([step, kind, baseLr, totalSteps, warmupSteps]) =>
      learningRate(step, { kind, baseLr, totalSteps, warmupSteps }),
    );
    const theirs = python(cases, '[learning_rate(*c) for c in cases]') as number[];
    expect(theirs).toHaveLength(ours.length);
    theirs.forEach((v, i) => expect(v).toBeCloseTo(ours[i] as number, 12));
  });

  it('gives the same accuracy and macro-F1, classes missing from gold or predictions included', () => {
    const cases = [2, 3, 5, 7].flatMap((k, i) => [
      { pred: draws(i + 1, 50, k), gold: draws(i + 101, 50, k), k },
      // A class never predicted and never gold: skipped by both.
      { pred: draws(i + 7, 30, k - 1), gold: draws(i + 9, 30, k - 1), k },
    ]);
    const theirs = python(
      cases,
      '[[accuracy(c["pred"], c["gold"]), macro_f1(c["pred"], c["gold"], c["k"])] for c in cases]',
    ) as [number, number][];
    cases.forEach((c, i) => {
      expect(theirs[i]?.[0]).toBeCloseTo(accuracy(c.pred, c.gold), 12);
      expect(theirs[i]?.[1]).toBeCloseTo(macroF1(c.pred, c.gold, c.k), 12);
    });
  });

  it('decays the same weights (not biases and norms)', () => {
    const names = [
      'base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.default.weight',
      'base_model.model.classifier.modules_to_save.default.bias',
      'bert.encoder.layer.0.output.studio_adapter.down.weight',
      'bert.encoder.layer.0.output.LayerNorm.weight',
      'bert.pooler.dense.bias',
      'transformer.h.0.ln_1.weight',
      'adapters.0.ffn.down.b',
    ];
    expect(python(names, '[decays(n) for n in cases]')).toEqual(names.map((n) => !defaultNoDecay(n)));
  });
});
