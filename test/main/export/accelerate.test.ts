/**
 * `studio export --format accelerate` and `studio import-run`: the folder's every file and its values against the
 * run's, train.py parsing (py_compile) and — where torch is installed — training a few steps on the CPU, and a
 * folder laid out as train.py leaves it (a PEFT adapter from the studio's own PEFT export, or our bottleneck
 * format, plus a JSONL log) coming back as a completed run that predicts as the original does.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src-main/db/open.ts';
import { metricsForRun } from '../../../src-main/db/tables/metrics.ts';
import { getRun, insertRun } from '../../../src-main/db/tables/runs.ts';
import { modelContentHash } from '../../../src-main/models/content-hash.ts';
import { DEFAULT_MODEL_DIR } from '../../../src-main/models/default-model.ts';
import { trainConfigSchema } from '../../../src-shared/train-config.ts';
import type { TrainConfig } from '../../../src-shared/train-config.ts';
import type { AccelerateRunConfig } from '../../../src-main/export/accelerate.ts';
import {
  adapterDir,
  exportOk,
  exportRun,
  newProjectFolder,
  TINY_BERT,
  trainTinyAdapter,
} from '../../helpers/export-fixtures.ts';
import { OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { maxAbsDiff } from '../../helpers/reference.ts';
import { expectSuccess, expectUserError, predictLogits, studioCli } from '../../helpers/studio-cli.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-accelerate-');
const studio = studioCli(path.join(tmp.dir, 'home'));
const SMALL_CSV = path.join(OWN_FIXTURES_DIR, 'datasets/small.csv');
const INPUTS = path.join(TINY_BERT, 'reference.safetensors');
const hasTorch = spawnSync('python3', ['-c', 'import torch, transformers, peft, accelerate']).status === 0;
const project = { dir: '', lora: 0, bottleneck: 0, queued: 0 };

/** A run configured on the default model and never trained (as New run leaves a queued run). */
function recordQueuedRun(db: ReturnType<typeof openDatabase>, dir: string): number {
  const config = trainConfigSchema.parse({
    project: dir,
    model: 'default',
    name: 'never trained',
    dataset: { path: SMALL_CSV, text: 'text', label: 'label', validationFraction: 0.25 },
    method: { type: 'bottleneck', variant: 'houlsby', bottleneckSize: 8 },
    train: {
      epochs: 1,
      batchSize: 2,
      lr: 0.005,
      maxLength: 24,
      seed: 11,
      gradAccumulation: 2,
      gradClip: 0.5,
    },
  });
  return insertRun(db, {
    name: 'never trained',
    datasetId: null,
    baseModelId: null,
    method: 'bottleneck',
    config,
    createdAt: new Date().toISOString(),
  });
}

beforeAll(async () => {
  const p = newProjectFolder(tmp.dir, 'source');
  project.dir = p.dir;
  project.lora = await trainTinyAdapter(p.db, p.dir, { type: 'lora', r: 2, alpha: 4 });
  project.bottleneck = await trainTinyAdapter(p.db, p.dir, {
    type: 'bottleneck',
    variant: 'houlsby',
    bottleneckSize: 4,
  });
  project.queued = recordQueuedRun(p.db, p.dir);
  p.db.close();
}, 300_000);
afterAll(() => tmp.cleanup());

const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as AccelerateRunConfig;
const accelerate = (run: number, name: string) =>
  exportOk(studio, { project: project.dir, run, format: 'accelerate', out: path.join(tmp.dir, name) });

describe('studio export --format accelerate', () => {
  it('writes every file of the folder for a run never trained, with the run config values and the default base copied', () => {
    const out = accelerate(project.queued, 'queued');
    const files = fs.readdirSync(out, { recursive: true }).map(String).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'README.md',
        'accelerate/deepspeed_zero2.yaml',
        'accelerate/multi_gpu.yaml',
        'base-model/config.json',
        'base-model/model.safetensors',
        'base-model/tokenizer.json',
        'data/train.jsonl',
        'data/validation.jsonl',
        'requirements.txt',
        'run_config.json',
        'slurm.sbatch',
        'studio_bottleneck.py',
        'studio_loop.py',
        'train.py',
      ]),
    );
    const rc = readJson(path.join(out, 'run_config.json'));
    const db = openDatabase(path.join(project.dir, 'studio.db'));
    const run = getRun(db, project.queued);
    db.close();
    expect(run?.status).toBe('queued');
    const config = run?.config as TrainConfig;
    expect(rc.method).toEqual(config.method);
    expect(rc.train).toEqual(config.train);
    expect(rc.seed).toBe(11);
    expect(rc.config).toEqual(config);
    expect(rc.labels).toEqual(['neg', 'pos']);
    expect(rc.baseModel).toMatchObject({
      path: 'base-model',
      shipped: true,
      studioName: 'default',
      architecture: 'bert',
      contentHash: modelContentHash(DEFAULT_MODEL_DIR),
    });
    // The split is the studio's: every row once, a quarter held out (stratified), each file's sha256 recorded.
    const rows = (f: string) =>
      fs
        .readFileSync(path.join(out, f), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { text: string; label: string });
    const train = rows('data/train.jsonl');
    const validation = rows('data/validation.jsonl');
    const csv = fs.readFileSync(SMALL_CSV, 'utf8').trim().split('\n').slice(1);
    expect([...train, ...validation].map((r) => `${r.text},${r.label}`).sort()).toEqual(csv.sort());
    expect(validation).toHaveLength(2);
    for (const part of ['train', 'validation'] as const)
      expect(rc.dataset.files[part]).toEqual({
        path: `data/${part}.jsonl`,
        sha256: sha(path.join(out, `data/${part}.jsonl`)),
        rows: part === 'train' ? 6 : 2,
      });
    const ds = fs.readFileSync(path.join(out, 'accelerate/deepspeed_zero2.yaml'), 'utf8');
    expect(ds).toMatch(/zero_stage: 2/);
    expect(ds).toMatch(/gradient_accumulation_steps: 2\n/);
    expect(ds).toMatch(/gradient_clipping: 0.5\n/);
    expect(fs.readFileSync(path.join(out, 'requirements.txt'), 'utf8')).toMatch(
      /torch==2\.11\.\*\ntransformers==5\.17\.\*\npeft==0\.21\.\*\naccelerate/,
    );
    const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(readme).toMatch(/accelerate launch --num_processes 1 train\.py/);
    expect(readme).toMatch(/sbatch slurm\.sbatch/);
    expect(readme).toMatch(/studio import-run THIS_FOLDER --project PROJECT/);
    expect(fs.readFileSync(path.join(out, 'slurm.sbatch'), 'utf8')).toMatch(
      /--machine_rank "\$SLURM_NODEID"/,
    );
    expect(sha(path.join(out, 'base-model/model.safetensors'))).toBe(
      sha(path.join(DEFAULT_MODEL_DIR, 'model.safetensors')),
    );
  });

  it('names a user base model by its path instead of copying it', () => {
    const out = accelerate(project.lora, 'lora');
    const rc = readJson(path.join(out, 'run_config.json'));
    expect(rc.baseModel).toMatchObject({ path: path.resolve(TINY_BERT), shipped: false });
    expect(rc.defaults.loraTargets.length).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(out, 'base-model'))).toBe(false);
  });

  it('writes a train.py, bottleneck module and loop helpers that Python parses', () => {
    const out = path.join(tmp.dir, 'queued');
    for (const f of ['train.py', 'studio_bottleneck.py', 'studio_loop.py']) {
      const r = spawnSync('python3', ['-m', 'py_compile', path.join(out, f)], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
  });

  it('refuses a run that does not exist, in one line', () => {
    const r = exportRun(studio, {
      project: project.dir,
      run: 999,
      format: 'accelerate',
      out: path.join(tmp.dir, 'nothing'),
    });
    expectUserError(r, /run 999: no such run/);
  });
});

/** A folder laid out as train.py leaves it: run_config.json, output/adapter, output/metrics.jsonl, final metrics. */
function trainedFolder(name: string, run: number, writeAdapter: (dir: string) => void): string {
  const folder = accelerate(run, name);
  const out = path.join(folder, 'output');
  writeAdapter(path.join(out, 'adapter'));
  const log = [
    { step: 1, split: 'train', loss: 0.71, lr: 0.01, epoch: 0 },
    { step: 2, split: 'train', loss: 0.65, lr: 0.005, epoch: 0 },
    { step: 2, split: 'validation', loss: 0.6, accuracy: 0.5, macroF1: 0.4 },
  ];
  fs.writeFileSync(path.join(out, 'metrics.jsonl'), log.map((l) => JSON.stringify(l)).join('\n') + '\n');
  fs.writeFileSync(
    path.join(out, 'final_metrics.json'),
    JSON.stringify({ loss: 0.6, accuracy: 0.5, macroF1: 0.4 }),
  );
  fs.writeFileSync(path.join(out, 'train_info.json'), JSON.stringify({ steps: 2, numProcesses: 1 }));
  return folder;
}

describe('studio import-run', () => {
  const target = () => path.join(tmp.dir, 'target');
  beforeAll(() => {
    newProjectFolder(tmp.dir, 'target').db.close();
  });

  const importOk = (folder: string) => {
    const r = studio(['import-run', folder, '--project', target(), '--json']);
    expectSuccess(r);
    return JSON.parse(r.stdout) as { runId: number; curves: string; metrics: Record<string, number> };
  };

  it('brings back a PEFT LoRA adapter and its JSONL log as a completed run that predicts as the original', () => {
    const folder = trainedFolder('lora-trained', project.lora, (dir) =>
      exportOk(studio, { project: project.dir, run: project.lora, format: 'peft', out: dir }),
    );
    const result = importOk(folder);
    expect(result.curves).toBe('metrics.jsonl');
    const db = openDatabase(path.join(target(), 'studio.db'));
    const run = getRun(db, result.runId);
    const points = metricsForRun(db, result.runId);
    db.close();
    expect(run).toMatchObject({ status: 'completed', method: 'lora', step: 2 });
    expect(run?.name).toBe('tiny lora (Accelerate)');
    expect(run?.trainableParams).toBeGreaterThan(0);
    expect(points.filter((p) => p.split === 'train' && p.name === 'loss').map((p) => p.value)).toEqual([
      0.71, 0.65,
    ]);
    expect(points.find((p) => p.split === 'validation' && p.name === 'accuracy')?.value).toBe(0.5);
    // The studio's own adapter folder (with the labels) plus PEFT's files: it exports and bundles like any run.
    const imported = adapterDir(target(), result.runId);
    expect(fs.readdirSync(imported).sort()).toEqual([
      'adapter.safetensors',
      'adapter_config.json',
      'adapter_model.safetensors',
      'studio_adapter.json',
    ]);
    const original = predictLogits(studio, tmp.dir, {
      model: TINY_BERT,
      adapter: adapterDir(project.dir, project.lora),
      inputs: INPUTS,
    });
    const back = predictLogits(studio, tmp.dir, { model: TINY_BERT, adapter: imported, inputs: INPUTS });
    expect(maxAbsDiff(original, back)).toBeLessThan(1e-5);
    expectSuccess(
      studio([
        'export',
        '--project',
        target(),
        '--run',
        String(result.runId),
        '--format',
        'bundle',
        '--out',
        path.join(tmp.dir, 'imported.zip'),
      ]),
    );
  });

  it('brings back a bottleneck adapter in the studio format', () => {
    const folder = trainedFolder('bottleneck-trained', project.bottleneck, (dir) =>
      fs.cpSync(adapterDir(project.dir, project.bottleneck), dir, { recursive: true }),
    );
    const result = importOk(folder);
    const original = predictLogits(studio, tmp.dir, {
      model: TINY_BERT,
      adapter: adapterDir(project.dir, project.bottleneck),
      inputs: INPUTS,
    });
    const back = predictLogits(studio, tmp.dir, {
      model: TINY_BERT,
      adapter: adapterDir(target(), result.runId),
      inputs: INPUTS,
    });
    expect(maxAbsDiff(original, back)).toBeLessThan(1e-6);
    expect(result.metrics).toEqual({ loss: 0.6, accuracy: 0.5, macroF1: 0.4 });
  });

  it('refuses an untrained folder, a broken log and a different base, recording nothing', () => {
    const untrained = path.join(tmp.dir, 'queued');
    expectUserError(studio(['import-run', untrained, '--project', target()]), /no output\/adapter\/: train/);
    const broken = trainedFolder('broken-log', project.lora, (dir) =>
      exportOk(studio, { project: project.dir, run: project.lora, format: 'peft', out: dir }),
    );
    fs.appendFileSync(
      path.join(broken, 'output/metrics.jsonl'),
      '{"step": 3, "split": "train", "loss": "x"}\n',
    );
    expectUserError(
      studio(['import-run', broken, '--project', target()]),
      /metrics\.jsonl: line 4: loss is not a finite number/,
    );
    const rc = readJson(path.join(broken, 'run_config.json'));
    rc.baseModel.contentHash = '0'.repeat(64);
    fs.writeFileSync(path.join(broken, 'run_config.json'), JSON.stringify(rc));
    fs.writeFileSync(path.join(broken, 'output/metrics.jsonl'), '');
    expectUserError(
      studio(['import-run', broken, '--project', target()]),
      /trained on a different base model/,
    );
    const db = openDatabase(path.join(target(), 'studio.db'));
    expect((db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n).toBe(2);
    db.close();
  });

  it.skipIf(!hasTorch)(
    'trains the exported folder for a few steps on the CPU with torch, and imports the result',
    () => {
      for (const [name, run] of [
        ['cpu-bottleneck', project.queued],
        ['cpu-lora', project.lora],
      ] as const) {
        const folder = accelerate(run, name);
        const r = spawnSync('python3', ['train.py', '--cpu', '--max-steps', '3'], {
          cwd: folder,
          encoding: 'utf8',
          timeout: 600_000,
        });
        expect(r.status, r.stderr).toBe(0);
        const log = fs.readFileSync(path.join(folder, 'output/metrics.jsonl'), 'utf8').trim().split('\n');
        expect(log.map((l) => (JSON.parse(l) as { split: string }).split)).toContain('validation');
        const result = importOk(folder);
        expect(result.metrics.accuracy).toBeGreaterThanOrEqual(0);
      }
    },
    900_000,
  );
});
