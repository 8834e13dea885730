import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainConfigSchema } from '../../../src-shared/train-config.ts';
import type { BundleManifest } from '../../../src-shared/export.ts';
import { openDatabase } from '../../../src-main/db/open.ts';
import { initProject } from '../../../src-main/db/tables/project.ts';
import { getRun } from '../../../src-main/db/tables/runs.ts';
import { readSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import { runView } from '../../../src-main/services/runs.ts';
import { startRun } from '../../../src-main/services/training.ts';
import { HF_TINY_DIR, OWN_FIXTURES_DIR, REPO_ROOT } from '../../helpers/fixtures.ts';
import { maxAbsDiff } from '../../helpers/reference.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-export-');
const BASE = path.join(HF_TINY_DIR, 'bert-seqcls/base');
const INPUTS = path.join(BASE, 'reference.safetensors');

function studio(args: string[]) {
  return spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/studio.mjs'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, STUDIO_HOME: path.join(tmp.dir, 'home') },
    timeout: 180_000,
  });
}

function newProject(name: string) {
  const dir = path.join(tmp.dir, name);
  fs.mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
  const db = openDatabase(path.join(dir, 'studio.db'));
  initProject(db, { name, createdAt: new Date().toISOString() });
  return { dir, db };
}

/** `studio predict` logits of the base with an adapter (or a merged model folder). */
function logits(model: string, adapter?: string): Float32Array {
  const out = path.join(tmp.dir, `${Math.random().toString(36).slice(2)}.safetensors`);
  const r = studio([
    'predict',
    '--model',
    model,
    ...(adapter ? ['--adapter', adapter] : []),
    '--inputs',
    INPUTS,
    '--output',
    out,
  ]);
  expect(r.stderr).not.toMatch(/internal error/);
  expect(r.status).toBe(0);
  return readSafetensors(out).tensors.get('logits')?.data as Float32Array;
}

/** One-line user error: non-zero exit, a single stderr line, no stack trace. */
function expectUserError(r: ReturnType<typeof studio>, pattern: RegExp): void {
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
}

const project = { dir: '', lora: 0, bottleneck: 0 };

beforeAll(async () => {
  const p = newProject('source');
  project.dir = p.dir;
  const train = (method: Record<string, unknown>) =>
    startRun(
      p.db,
      p.dir,
      trainConfigSchema.parse({
        project: p.dir,
        model: BASE,
        name: `tiny ${String(method.type)}`,
        dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/small.csv') },
        method,
        train: { epochs: 2, batchSize: 4, lr: 0.01, maxLength: 16, evalEvery: 2, seed: 1 },
      }),
    );
  const lora = train({ type: 'lora', r: 2, alpha: 4 });
  expect((await lora.done).status).toBe('completed');
  project.lora = lora.runId;
  const bn = train({ type: 'bottleneck', variant: 'houlsby', bottleneckSize: 4 });
  expect((await bn.done).status).toBe('completed');
  project.bottleneck = bn.runId;
  p.db.close();
}, 300_000);
afterAll(() => tmp.cleanup());

describe('studio export / import (CLI contract)', () => {
  it('bundle: export, import into a new project, identical predictions; the manifest hashes every file', () => {
    const zip = path.join(tmp.dir, 'out/lora.zip');
    const e = studio([
      'export',
      '--project',
      project.dir,
      '--run',
      String(project.lora),
      '--format',
      'bundle',
      '--out',
      zip,
    ]);
    expect(e.stderr).not.toMatch(/internal error/);
    expect(e.status).toBe(0);
    expect(e.stdout.trim()).toBe(zip);
    const entries = unzipSync(new Uint8Array(fs.readFileSync(zip)));
    const manifest = JSON.parse(new TextDecoder().decode(entries['manifest.json'])) as BundleManifest;
    expect(Object.keys(manifest.files).sort()).toEqual(
      Object.keys(entries)
        .filter((n) => n !== 'manifest.json')
        .sort(),
    );
    expect(Object.keys(manifest.files)).toEqual(
      expect.arrayContaining([
        'README.md',
        'adapter/adapter.safetensors',
        'adapter/adapter_model.safetensors',
      ]),
    );
    expect(manifest.run.method).toBe('lora');
    expect(manifest.baseModel.architecture).toBe('bert');
    expect(manifest.baseModel.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const card = new TextDecoder().decode(entries['README.md']);
    expect(card).toMatch(/^# tiny lora/);
    expect(card).toContain('LoRA');
    expect(card).toContain(`${manifest.run.metrics.accuracy?.toFixed(4)}`);

    const target = path.join(tmp.dir, 'imported');
    const i = studio(['import', '--project', target, zip]);
    expect(i.stderr).not.toMatch(/internal error/);
    expect(i.status).toBe(0);
    const id = Number(i.stdout.trim());
    expect(id).toBe(1);
    const db = openDatabase(path.join(target, 'studio.db'));
    const run = getRun(db, id);
    expect(run?.status).toBe('completed');
    expect(run?.method).toBe('lora');
    expect(runView(db, id).finalMetrics).toEqual(manifest.run.metrics);
    db.close();

    const src = path.join(project.dir, `artifacts/run-${project.lora}/adapter`);
    const dst = path.join(target, `artifacts/run-${id}/adapter`);
    expect(fs.readdirSync(dst).sort()).toEqual(fs.readdirSync(src).sort());
    const a = logits(BASE, src);
    const b = logits(BASE, dst);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('import refuses a tampered, truncated or padded bundle, naming the file, and writes nothing', () => {
    const zip = path.join(tmp.dir, 'out/tamper.zip');
    expect(
      studio([
        'export',
        '--project',
        project.dir,
        '--run',
        String(project.lora),
        '--format',
        'bundle',
        '--out',
        zip,
      ]).status,
    ).toBe(0);
    const entries = unzipSync(new Uint8Array(fs.readFileSync(zip)));
    const weights = entries['adapter/adapter.safetensors'] as Uint8Array;
    const flipped = Uint8Array.from(weights);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
    const tampered = path.join(tmp.dir, 'out/tampered.zip');
    fs.writeFileSync(tampered, zipSync({ ...entries, 'adapter/adapter.safetensors': flipped }));
    const target = path.join(tmp.dir, 'refusing');
    expectUserError(
      studio(['import', '--project', target, tampered]),
      /tampered\.zip: adapter\/adapter\.safetensors: sha256 does not match the manifest/,
    );

    const short = path.join(tmp.dir, 'out/short.zip');
    fs.writeFileSync(
      short,
      zipSync({ ...entries, 'README.md': (entries['README.md'] as Uint8Array).slice(0, 10) }),
    );
    expectUserError(
      studio(['import', '--project', target, short]),
      /short\.zip: README\.md is 10 bytes, the manifest says/,
    );

    const cut = path.join(tmp.dir, 'out/cut.zip');
    fs.writeFileSync(cut, fs.readFileSync(zip).subarray(0, 200));
    expectUserError(
      studio(['import', '--project', target, cut]),
      /cut\.zip: not a readable bundle \(truncated or corrupt zip/,
    );

    const extra = path.join(tmp.dir, 'out/extra.zip');
    fs.writeFileSync(extra, zipSync({ ...entries, 'adapter/evil.py': new Uint8Array([1]) }));
    expectUserError(
      studio(['import', '--project', target, extra]),
      /extra\.zip: adapter\/evil\.py is not listed in the manifest/,
    );

    const db = openDatabase(path.join(target, 'studio.db'));
    expect((db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n).toBe(0);
    db.close();
    expect(fs.readdirSync(path.join(target, 'artifacts'))).toEqual([]);
  });

  it('peft: exactly the PEFT files of the run; refused for a bottleneck run with a pointer to adapterhub/bundle', () => {
    const out = path.join(tmp.dir, 'out/peft');
    const r = studio([
      'export',
      '--project',
      project.dir,
      '--run',
      String(project.lora),
      '--format',
      'peft',
      '--out',
      out,
    ]);
    expect(r.status).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    const config = JSON.parse(fs.readFileSync(path.join(out, 'adapter_config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(config).toMatchObject({
      peft_type: 'LORA',
      r: 2,
      lora_alpha: 4,
      modules_to_save: ['classifier', 'score'],
    });
    const names = [...readSafetensors(path.join(out, 'adapter_model.safetensors')).tensors.keys()];
    expect(names).toContain('base_model.model.classifier.weight');
    expect(names.some((n) => /lora_A\.weight$/.test(n))).toBe(true);
    // The exported folder loads on its own and predicts what the run's adapter predicts.
    expect(
      maxAbsDiff(
        logits(BASE, out),
        logits(BASE, path.join(project.dir, `artifacts/run-${project.lora}/adapter`)),
      ),
    ).toBeLessThanOrEqual(1e-6);

    expectUserError(
      studio([
        'export',
        '--project',
        project.dir,
        '--run',
        String(project.bottleneck),
        '--format',
        'peft',
        '--out',
        path.join(tmp.dir, 'out/no'),
      ]),
      /run \d+ \(bottleneck\): PEFT has no bottleneck adapter: export as adapterhub or bundle instead/,
    );
    expect(fs.existsSync(path.join(tmp.dir, 'out/no'))).toBe(false);
  });

  it('merged: a model folder predicting what base + adapter predicts; bottleneck refused plainly', () => {
    const out = path.join(tmp.dir, 'out/merged');
    const r = studio([
      'export',
      '--project',
      project.dir,
      '--run',
      String(project.lora),
      '--format',
      'merged',
      '--out',
      out,
    ]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status).toBe(0);
    expect(fs.existsSync(path.join(out, 'model.safetensors'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'config.json'))).toBe(true);
    const adapter = path.join(project.dir, `artifacts/run-${project.lora}/adapter`);
    expect(maxAbsDiff(logits(out), logits(BASE, adapter))).toBeLessThanOrEqual(1e-4);
    expectUserError(
      studio([
        'export',
        '--project',
        project.dir,
        '--run',
        String(project.bottleneck),
        '--format',
        'merged',
        '--out',
        path.join(tmp.dir, 'out/m2'),
      ]),
      /cannot be merged into the weights \(only LoRA and IA3\)/,
    );
  });

  it('adapterhub: the adapters library names, torch layouts and a full BnConfig', () => {
    const out = path.join(tmp.dir, 'out/hub');
    const r = studio([
      'export',
      '--project',
      project.dir,
      '--run',
      String(project.bottleneck),
      '--format',
      'adapterhub',
      '--out',
      out,
    ]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status).toBe(0);
    const config = JSON.parse(fs.readFileSync(path.join(out, 'adapter_config.json'), 'utf8')) as {
      config: Record<string, unknown>;
      name: string;
      model_type: string;
      hidden_size: number;
    };
    expect(config).toMatchObject({ name: 'tiny_bottleneck', model_type: 'bert', version: 'adapters.1.2.0' });
    expect(config.config).toMatchObject({
      architecture: null,
      mh_adapter: true,
      output_adapter: true,
      original_ln_before: false,
    });
    expect(Math.floor(config.hidden_size / (config.config.reduction_factor as number))).toBe(4);
    const tensors = readSafetensors(path.join(out, 'adapter.safetensors')).tensors;
    const ours = readSafetensors(
      path.join(project.dir, `artifacts/run-${project.bottleneck}/adapter/adapter.safetensors`),
    ).tensors;
    const down = tensors.get(
      'bert.encoder.layer.0.attention.output.adapters.tiny_bottleneck.adapter_down.0.weight',
    );
    const up = tensors.get('bert.encoder.layer.1.output.adapters.tiny_bottleneck.adapter_up.weight');
    expect(down?.shape).toEqual([4, config.hidden_size]);
    expect(up?.shape).toEqual([config.hidden_size, 4]);
    // torch [out, in] is the transpose of our [in, out].
    const oursDown = ours.get('adapters.0.attention.down.weight');
    expect(down?.data[1 * config.hidden_size + 0]).toBe(oursDown?.data[0 * 4 + 1]);
    expect([...tensors.keys()].every((n) => n.includes('.adapters.tiny_bottleneck.'))).toBe(true);
    // The classification head as a flex head on the pooled output (the tiny BERT has a pooler).
    expect(fs.readdirSync(out).sort()).toEqual([
      'adapter.safetensors',
      'adapter_config.json',
      'head_config.json',
      'model_head.safetensors',
    ]);
    const head = JSON.parse(fs.readFileSync(path.join(out, 'head_config.json'), 'utf8')) as {
      config: Record<string, unknown>;
      name: string;
    };
    expect(head.name).toBe('tiny_bottleneck');
    expect(head.config).toMatchObject({ head_type: 'classification', layers: 1, use_pooler: true });
    const numLabels = head.config.num_labels as number;
    expect(Object.keys(head.config.label2id as object)).toHaveLength(numLabels);
    const headTensors = readSafetensors(path.join(out, 'model_head.safetensors')).tensors;
    expect([...headTensors.keys()].sort()).toEqual([
      'heads.tiny_bottleneck.1.bias',
      'heads.tiny_bottleneck.1.weight',
    ]);
    expect(headTensors.get('heads.tiny_bottleneck.1.weight')?.shape).toEqual([numLabels, config.hidden_size]);
  });

  it('refuses an unfinished or unknown run and a bad format with one line', () => {
    expectUserError(
      studio([
        'export',
        '--project',
        project.dir,
        '--run',
        '99',
        '--format',
        'bundle',
        '--out',
        path.join(tmp.dir, 'x.zip'),
      ]),
      /run 99: no such run/,
    );
    expectUserError(
      studio([
        'export',
        '--project',
        project.dir,
        '--run',
        '1',
        '--format',
        'onnx',
        '--out',
        path.join(tmp.dir, 'x'),
      ]),
      /--format: "onnx" is not one of/,
    );
    expectUserError(
      studio([
        'export',
        '--project',
        project.dir,
        '--run',
        '1',
        '--format',
        'bundle',
        '--out',
        path.join(tmp.dir, 'x.tar'),
      ]),
      /a bundle is a \.zip file/,
    );
  });
});
