/**
 * `studio evaluate` and `studio predict --data`: a trained run scored on a file, checked against the safetensors
 * `studio predict` of the same texts one at a time (so batching and padding change nothing).
 */
import fs from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationReport } from '../../../src-shared/evaluate.ts';
import { writeSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import { loadTokenizer } from '../../../src-main/models/tokenizer/index.ts';
import { adapterDir, newProjectFolder, TINY_BERT, trainTinyAdapter } from '../../helpers/export-fixtures.ts';
import { OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { expectSuccess, expectUserError, predictLogits, studioCli } from '../../helpers/studio-cli.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-evaluate-');
const studio = studioCli(path.join(tmp.dir, 'home'));
const DATA = path.join(OWN_FIXTURES_DIR, 'datasets/small.csv');
const project = { dir: '', run: 0 };

beforeAll(async () => {
  const p = newProjectFolder(tmp.dir, 'p');
  project.dir = p.dir;
  project.run = await trainTinyAdapter(p.db, p.dir, { type: 'lora', r: 2, alpha: 4 });
  p.db.close();
}, 300_000);
afterAll(() => tmp.cleanup());

const runArgs = () => ['--project', project.dir, '--run', String(project.run)];

/** The run's probabilities for one text, through the safetensors contract (batch of one, no padding). */
function oneByOne(text: string): number[] {
  const enc = loadTokenizer(TINY_BERT).encode(text, { maxLength: 16 });
  const inputs = path.join(tmp.dir, `one-${Math.random().toString(36).slice(2)}.safetensors`);
  const n = enc.ids.length;
  writeSafetensors(
    inputs,
    new Map([
      ['input_ids', { dtype: 'int32', shape: [1, n], data: Int32Array.from(enc.ids) }],
      ['token_type_ids', { dtype: 'int32', shape: [1, n], data: Int32Array.from(enc.typeIds) }],
    ]),
  );
  const logits = Array.from(
    predictLogits(studio, tmp.dir, {
      model: TINY_BERT,
      adapter: adapterDir(project.dir, project.run),
      inputs,
    }),
  );
  const m = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - m));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

describe('studio evaluate / predict --data', () => {
  it('evaluate --json: metrics that agree with the confusion matrix and per-class scores', () => {
    const r = studio(['evaluate', ...runArgs(), '--data', DATA, '--json']);
    expectSuccess(r);
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as EvaluationReport;
    expect(report.examples).toBe(8);
    expect(report.labels.sort()).toEqual(['neg', 'pos']);
    const cm = report.confusion;
    expect(cm.flat().reduce((a, b) => a + b, 0)).toBe(8);
    const trace = cm.reduce((a, row, i) => a + (row[i] ?? 0), 0);
    expect(report.metrics.accuracy).toBeCloseTo(trace / 8, 12);
    report.perClass.forEach((c, i) => {
      const row = cm[i] as number[];
      expect(c.support).toBe(row.reduce((a, b) => a + b, 0));
      const col = cm.reduce((a, rr) => a + (rr[i] ?? 0), 0);
      expect(c.recall).toBeCloseTo(c.support ? (row[i] ?? 0) / c.support : 0, 12);
      expect(c.precision).toBeCloseTo(col ? (row[i] ?? 0) / col : 0, 12);
    });
    expect(report.confidentlyWrong.length).toBe(8 - trace);
    const conf = report.confidentlyWrong.map((w) => w.confidence);
    expect(conf).toEqual([...conf].sort((a, b) => b - a));
    expect(Number.isFinite(report.metrics.loss)).toBe(true);

    const text = studio(['evaluate', ...runArgs(), '--data', DATA]);
    expectSuccess(text);
    expect(text.stdout).toMatch(/confusion \(rows: true label, columns: predicted\)/);
  }, 120_000);

  it('predict --data --out: one row per line, probabilities equal to predicting each text alone', () => {
    const csvOut = path.join(tmp.dir, 'pred.csv');
    const r = studio(['predict', ...runArgs(), '--data', DATA, '--out', csvOut]);
    expectSuccess(r);
    const rows = Papa.parse<Record<string, string>>(fs.readFileSync(csvOut, 'utf8').trim(), {
      header: true,
    }).data;
    expect(rows).toHaveLength(8);
    for (const row of rows.slice(0, 3)) {
      const want = oneByOne(row.text as string);
      const got = [Number(row.p_neg), Number(row.p_pos)];
      // Our adapter records labels in sorted order (neg, pos): the columns follow it.
      for (let i = 0; i < 2; i++)
        expect(Math.abs((got[i] as number) - (want[i] as number))).toBeLessThan(1e-5);
      expect(row.predicted).toBe((got[0] as number) > (got[1] as number) ? 'neg' : 'pos');
    }
    const jsonlOut = path.join(tmp.dir, 'pred.jsonl');
    expectSuccess(studio(['predict', ...runArgs(), '--data', DATA, '--out', jsonlOut]));
    const lines = fs
      .readFileSync(jsonlOut, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number });
    expect(lines.map((l) => l.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
  }, 120_000);

  it('mistakes end as one line naming the file, line or option', () => {
    const bad = path.join(tmp.dir, 'bad.csv');
    fs.writeFileSync(bad, 'text,label\ngood film,pos\nmeh,maybe\n');
    expectUserError(
      studio(['evaluate', ...runArgs(), '--data', bad]),
      /bad\.csv:3: label "maybe" is not one the run was trained on \(neg, pos\)/,
    );
    expectUserError(studio(['predict', ...runArgs(), '--data', DATA]), /predict --data needs --out/);
    expectUserError(
      studio(['predict', ...runArgs(), '--data', DATA, '--out', path.join(tmp.dir, 'x.txt')]),
      /x\.txt: the output must end in \.csv or \.jsonl/,
    );
    expectUserError(studio(['predict', '--model', TINY_BERT]), /predict needs --inputs, --output/);
  }, 120_000);
});
