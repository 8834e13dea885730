import fs from 'node:fs';
import path from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BundleManifest } from '../../../src-shared/export.ts';
import { openDatabase } from '../../../src-main/db/open.ts';
import { getRun } from '../../../src-main/db/tables/runs.ts';
import { readSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import { runView } from '../../../src-main/services/runs.ts';
import {
  adapterDir,
  exportOk,
  exportRun,
  importOk,
  newProjectFolder,
  TINY_BERT,
  trainTinyAdapter,
} from '../../helpers/export-fixtures.ts';
import { maxAbsDiff } from '../../helpers/reference.ts';
import { expectUserError, predictLogits, studioCli } from '../../helpers/studio-cli.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-export-');
const studio = studioCli(path.join(tmp.dir, 'home'));
const BASE = TINY_BERT;
const INPUTS = path.join(BASE, 'reference.safetensors');

/** `studio predict` logits of the base with an adapter (or a merged model folder). */
const logits = (model: string, adapter?: string) =>
  predictLogits(studio, tmp.dir, { model, adapter, inputs: INPUTS });

const project = { dir: '', lora: 0, bottleneck: 0 };

beforeAll(async () => {
  const p = newProjectFolder(tmp.dir, 'source');
  project.dir = p.dir;
  project.lora = await trainTinyAdapter(p.db, p.dir, { type: 'lora', r: 2, alpha: 4 });
  project.bottleneck = await trainTinyAdapter(p.db, p.dir, {
    type: 'bottleneck',
    variant: 'houlsby',
    bottleneckSize: 4,
  });
  p.db.close();
}, 300_000);
afterAll(() => tmp.cleanup());

/** `studio export` of one of the source project's runs. */
const exportArgs = (run: number, format: string, out: string) => ({ project: project.dir, run, format, out });

describe('studio export / import (CLI contract)', () => {
  it('bundle: export, import into a new project, identical predictions; the manifest hashes every file', () => {
    const zip = exportOk(studio, exportArgs(project.lora, 'bundle', path.join(tmp.dir, 'out/lora.zip')));
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
    const id = importOk(studio, target, zip);
    expect(id).toBe(1);
    const db = openDatabase(path.join(target, 'studio.db'));
    const run = getRun(db, id);
    expect(run?.status).toBe('completed');
    expect(run?.method).toBe('lora');
    expect(runView(db, id).finalMetrics).toEqual(manifest.run.metrics);
    // Issue #21: an imported run showed "0 / ? steps" and "Started: not yet".
    const source = openDatabase(path.join(project.dir, 'studio.db'));
    const trained = getRun(source, project.lora);
    source.close();
    expect(trained?.step).toBeGreaterThan(0);
    expect(manifest.run.steps).toBe(trained?.step);
    expect(run?.step).toBe(trained?.step);
    expect(run?.totalSteps).toBe(trained?.step);
    expect(run?.startedAt).toBe(trained?.startedAt);
    expect(run?.startedAt).not.toBeNull();
    db.close();

    const src = adapterDir(project.dir, project.lora);
    const dst = adapterDir(target, id);
    expect(fs.readdirSync(dst).sort()).toEqual(fs.readdirSync(src).sort());
    const a = logits(BASE, src);
    const b = logits(BASE, dst);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('import refuses a tampered, truncated or padded bundle, naming the file, and writes nothing', () => {
    const zip = exportOk(studio, exportArgs(project.lora, 'bundle', path.join(tmp.dir, 'out/tamper.zip')));
    const entries = unzipSync(new Uint8Array(fs.readFileSync(zip)));
    const weights = entries['adapter/adapter.safetensors'] as Uint8Array;
    const flipped = Uint8Array.from(weights);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
    const target = path.join(tmp.dir, 'refusing');
    /** Writes a bad bundle next to the good one and expects `studio import` to refuse it with `pattern`. */
    const refused = (name: string, bytes: Uint8Array, pattern: RegExp) => {
      const bad = path.join(tmp.dir, 'out', name);
      fs.writeFileSync(bad, bytes);
      expectUserError(studio(['import', '--project', target, bad]), pattern);
    };

    refused(
      'tampered.zip',
      zipSync({ ...entries, 'adapter/adapter.safetensors': flipped }),
      /tampered\.zip: adapter\/adapter\.safetensors: sha256 does not match the manifest/,
    );
    refused(
      'short.zip',
      zipSync({ ...entries, 'README.md': (entries['README.md'] as Uint8Array).slice(0, 10) }),
      /short\.zip: README\.md is 10 bytes, the manifest says/,
    );
    refused(
      'cut.zip',
      fs.readFileSync(zip).subarray(0, 200),
      /cut\.zip: not a readable bundle \(not a zip file, or a truncated one\)/,
    );
    refused(
      'extra.zip',
      zipSync({ ...entries, 'adapter/evil.py': new Uint8Array([1]) }),
      /extra\.zip: adapter\/evil\.py is not listed in the manifest/,
    );

    // Every check runs before the project is created: a refused bundle leaves no project folder behind.
    expect(fs.existsSync(target)).toBe(false);
  });

  it('peft: the PEFT files of the run and its card; refused for a bottleneck run with a pointer to adapterhub/bundle', () => {
    const out = exportOk(studio, exportArgs(project.lora, 'peft', path.join(tmp.dir, 'out/peft')));
    // A base the user brought is named by its path: nothing to ship beside the card.
    expect(fs.readdirSync(out).sort()).toEqual([
      'README.md',
      'adapter_config.json',
      'adapter_model.safetensors',
    ]);
    const config = JSON.parse(fs.readFileSync(path.join(out, 'adapter_config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(config).toMatchObject({
      peft_type: 'LORA',
      r: 2,
      lora_alpha: 4,
      modules_to_save: ['classifier', 'score'],
      base_model_name_or_path: path.resolve(BASE),
    });
    const names = [...readSafetensors(path.join(out, 'adapter_model.safetensors')).tensors.keys()];
    expect(names).toContain('base_model.model.classifier.weight');
    expect(names.some((n) => /lora_A\.weight$/.test(n))).toBe(true);
    // The exported folder loads on its own and predicts what the run's adapter predicts.
    expect(
      maxAbsDiff(logits(BASE, out), logits(BASE, adapterDir(project.dir, project.lora))),
    ).toBeLessThanOrEqual(1e-6);

    const no = path.join(tmp.dir, 'out/no');
    expectUserError(
      exportRun(studio, exportArgs(project.bottleneck, 'peft', no)),
      /run \d+ \(bottleneck\): PEFT has no bottleneck adapter: export as adapterhub or bundle instead/,
    );
    expect(fs.existsSync(no)).toBe(false);
  });

  it('merged: a model folder predicting what base + adapter predicts; bottleneck refused plainly', () => {
    const out = exportOk(studio, exportArgs(project.lora, 'merged', path.join(tmp.dir, 'out/merged')));
    expect(fs.existsSync(path.join(out, 'model.safetensors'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'config.json'))).toBe(true);
    const adapter = adapterDir(project.dir, project.lora);
    expect(maxAbsDiff(logits(out), logits(BASE, adapter))).toBeLessThanOrEqual(1e-4);
    expectUserError(
      exportRun(studio, exportArgs(project.bottleneck, 'merged', path.join(tmp.dir, 'out/m2'))),
      /cannot be merged into the weights \(only LoRA, .*IA3/,
    );
  });

  it('adapterhub: the adapters library names, torch layouts and a full BnConfig', () => {
    const out = exportOk(studio, exportArgs(project.bottleneck, 'adapterhub', path.join(tmp.dir, 'out/hub')));
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
      path.join(adapterDir(project.dir, project.bottleneck), 'adapter.safetensors'),
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
      'README.md',
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
      exportRun(studio, exportArgs(99, 'bundle', path.join(tmp.dir, 'x.zip'))),
      /run 99: no such run/,
    );
    expectUserError(
      exportRun(studio, exportArgs(1, 'onnx', path.join(tmp.dir, 'x'))),
      /--format: "onnx" is not one of/,
    );
    expectUserError(
      exportRun(studio, exportArgs(1, 'bundle', path.join(tmp.dir, 'x.tar'))),
      /a bundle is a \.zip file/,
    );
  });
});
