/** The metric history of a run trained outside the studio: our JSONL log and transformers' trainer_state.json. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMetricsJsonl, parseTrainerState } from '../../../src-main/export/import-run-curves.ts';
import { UserError } from '../../../src-main/errors.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-import-curves-');
afterAll(() => tmp.cleanup());
const file = (name: string, text: string) => {
  const p = path.join(tmp.dir, name);
  fs.writeFileSync(p, text);
  return p;
};

describe('parseMetricsJsonl', () => {
  it('turns each line into points of its split, leaving out the epoch', () => {
    const p = file(
      'ok.jsonl',
      '{"step": 1, "split": "train", "loss": 0.7, "lr": 0.001, "epoch": 0}\n\n{"step": 2, "split": "validation", "loss": 0.5, "accuracy": 0.75}\n',
    );
    expect(parseMetricsJsonl(p)).toEqual([
      { split: 'train', name: 'loss', step: 1, value: 0.7 },
      { split: 'train', name: 'lr', step: 1, value: 0.001 },
      { split: 'validation', name: 'loss', step: 2, value: 0.5 },
      { split: 'validation', name: 'accuracy', step: 2, value: 0.75 },
    ]);
  });

  it.each([
    ['not json', /line 1 is not JSON/],
    ['[1, 2]', /line 1 is not a JSON object/],
    ['{"step": 1.5, "split": "train", "loss": 1}', /line 1: step must be a non-negative integer/],
    ['{"step": 1, "split": "test", "loss": 1}', /line 1: split must be "train" or "validation"/],
    ['{"step": 1, "split": "train", "loss": null}', /line 1: loss is not a finite number/],
    ['{"step": 1, "split": "train", "a b": 1}', /line 1: "a b" is not a metric name/],
  ])('refuses %s, naming the line', (line, message) => {
    const p = file('bad.jsonl', `${line}\n`);
    expect(() => parseMetricsJsonl(p)).toThrow(UserError);
    expect(() => parseMetricsJsonl(p)).toThrow(message);
  });
});

describe('parseTrainerState', () => {
  it("reads log_history: steps' loss and learning rate, eval_* as validation, no timings or summaries", () => {
    const state = {
      global_step: 20,
      log_history: [
        { epoch: 0.5, grad_norm: 1.2, learning_rate: 4e-5, loss: 0.69, step: 10 },
        {
          epoch: 1,
          eval_accuracy: 0.8,
          eval_loss: 0.45,
          eval_runtime: 1.5,
          eval_samples_per_second: 900,
          eval_steps_per_second: 30,
          step: 20,
        },
        { epoch: 1, step: 20, total_flos: 1e12, train_loss: 0.6, train_runtime: 30 },
      ],
    };
    expect(parseTrainerState(file('trainer_state.json', JSON.stringify(state)))).toEqual([
      { split: 'train', name: 'lr', step: 10, value: 4e-5 },
      { split: 'train', name: 'loss', step: 10, value: 0.69 },
      { split: 'validation', name: 'accuracy', step: 20, value: 0.8 },
      { split: 'validation', name: 'loss', step: 20, value: 0.45 },
    ]);
  });

  it('refuses a file that is not a trainer state', () => {
    expect(() => parseTrainerState(file('x.json', '{"steps": []}'))).toThrow(/log_history is missing/);
    expect(() => parseTrainerState(file('y.json', '{'))).toThrow(/not valid JSON/);
  });
});
