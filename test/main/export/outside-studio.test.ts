/**
 * Exports of runs on the bundled default model, read back as transformers, PEFT and the card's reader would: no
 * name only the studio knows ("default"), the architecture and dtype the weights really have, every weight the
 * architecture class expects, and `studio predict` on the merged folder equal to base + adapter.
 */
import fs from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensorsHeader, writeSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import { DEFAULT_MODEL_DIR } from '../../../src-main/models/default-model.ts';
import { modelContentHash } from '../../../src-main/models/content-hash.ts';
import { startRun } from '../../../src-main/services/training.ts';
import { trainConfigSchema } from '../../../src-shared/train-config.ts';
import { adapterDir, exportOk, newProjectFolder } from '../../helpers/export-fixtures.ts';
import { OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import {
  bertForSequenceClassificationWeights,
  codeBlocks,
  loadedPaths,
  numLabelsOf,
  readJson,
  resolveFrom,
} from '../../helpers/hf-reading.ts';
import { maxAbsDiff } from '../../helpers/reference.ts';
import { predictLogits, studioCli } from '../../helpers/studio-cli.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-outside-');
const studio = studioCli(path.join(tmp.dir, 'home'));
const project = { dir: '', lora: 0, bottleneck: 0 };
const out = (name: string) => path.join(tmp.dir, 'out', name);

async function trainOnDefault(
  db: Parameters<typeof startRun>[0],
  dir: string,
  method: Record<string, unknown>,
) {
  const run = startRun(
    db,
    dir,
    trainConfigSchema.parse({
      project: dir,
      model: 'default',
      name: `default ${String(method.type)}`,
      dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/small.csv') },
      method,
      train: { epochs: 1, batchSize: 4, lr: 0.01, maxLength: 16, seed: 3 },
    }),
  );
  expect((await run.done).status).toBe('completed');
  return run.runId;
}

beforeAll(async () => {
  const p = newProjectFolder(tmp.dir, 'source');
  project.dir = p.dir;
  project.lora = await trainOnDefault(p.db, p.dir, { type: 'lora', r: 2, alpha: 4 });
  project.bottleneck = await trainOnDefault(p.db, p.dir, {
    type: 'bottleneck',
    variant: 'pfeiffer',
    bottleneckSize: 8,
  });
  p.db.close();
}, 300_000);
afterAll(() => tmp.cleanup());

const exportOf = (run: number, format: string, to: string) =>
  exportOk(studio, { project: project.dir, run, format, out: to });

/** Every path the card's Python snippets load exists, as Python resolves it from the card's folder. */
function expectCardPathsExist(card: string, cwd: string, exists: (p: string) => boolean): string[] {
  const snippets = codeBlocks(card, 'python');
  expect(snippets.length).toBeGreaterThan(0);
  const paths = snippets.flatMap(loadedPaths);
  expect(paths.length).toBeGreaterThan(0);
  expect(paths).not.toContain('default');
  for (const p of paths) expect(exists(resolveFrom(cwd, p)), p).toBe(true);
  return paths;
}

describe('exports of a run on the default model, as read outside the studio', () => {
  it('merged: config says the classifier and float32 the weights are, every weight present; predict works', () => {
    const dir = exportOf(project.lora, 'merged', out('merged'));
    const config = readJson<
      Record<string, unknown> & Parameters<typeof bertForSequenceClassificationWeights>[0]
    >(path.join(dir, 'config.json'));
    expect(config.architectures).toEqual(['BertForSequenceClassification']);
    expect(config.model_type).toBe('bert');
    expect(config.id2label).toEqual({ 0: 'neg', 1: 'pos' });
    expect(config.label2id).toEqual({ neg: 0, pos: 1 });
    const numLabels = numLabelsOf(config as { id2label?: Record<string, string> });
    expect(numLabels).toBe(2);
    const header = readSafetensorsHeader(path.join(dir, 'model.safetensors')).tensors;
    // transformers (dtype="auto") builds the model in config.dtype: it must be what the file holds.
    const dtypes = new Set([...header.values()].map((t) => t.dtype));
    expect([...dtypes]).toEqual(['F32']);
    expect(config.dtype).toBe('float32');
    expect(config.torch_dtype).toBeUndefined();
    const expected = bertForSequenceClassificationWeights({ ...config, num_labels: numLabels });
    for (const [name, shape] of expected) expect(header.get(name)?.shape, name).toEqual(shape);
    expect([...header.keys()].filter((n) => !expected.has(n))).toEqual([]);

    const card = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    const paths = expectCardPathsExist(card, dir, (p) => fs.existsSync(path.join(p, 'config.json')));
    expect(paths).toContain('.');

    // The studio's own predict on the merged folder, against base + adapter (ids inside the 8192 vocabulary).
    const ids = [2, 150, 901, 4000, 77, 3, 2, 812, 5, 3, 0, 0];
    const inputs = path.join(tmp.dir, 'inputs.safetensors');
    writeSafetensors(
      inputs,
      new Map([
        ['input_ids', { dtype: 'int32', shape: [2, 6], data: Int32Array.from(ids) }],
        [
          'attention_mask',
          { dtype: 'int32', shape: [2, 6], data: Int32Array.from(ids.map((_, i) => (i >= 10 ? 0 : 1))) },
        ],
      ]),
    );
    const merged = predictLogits(studio, tmp.dir, { model: dir, inputs });
    const adapted = predictLogits(studio, tmp.dir, {
      model: 'default',
      adapter: adapterDir(project.dir, project.lora),
      inputs,
    });
    expect(merged.length).toBe(4);
    expect(maxAbsDiff(merged, adapted)).toBeLessThanOrEqual(1e-4);
  }, 120_000);

  it('peft: base_model_name_or_path and the card name a base folder that exists, weights match the class', () => {
    const dir = exportOf(project.lora, 'peft', out('peft'));
    const config = readJson<Record<string, unknown>>(path.join(dir, 'adapter_config.json'));
    expect(config).toMatchObject({ peft_type: 'LORA', task_type: 'SEQ_CLS', r: 2, lora_alpha: 4 });
    expect(config.peft_version).toBe('0.21.0');
    const baseRef = config.base_model_name_or_path;
    expect(typeof baseRef).toBe('string');
    const baseDir = resolveFrom(dir, baseRef as string);
    const baseConfig = readJson<
      Parameters<typeof bertForSequenceClassificationWeights>[0] & { model_type: string }
    >(path.join(baseDir, 'config.json'));
    expect(baseConfig.model_type).toBe('bert');
    // The very weights the run was trained on.
    expect(modelContentHash(baseDir)).toBe(modelContentHash(DEFAULT_MODEL_DIR));
    expect(fs.existsSync(path.join(baseDir, 'tokenizer.json'))).toBe(true);

    // What PEFT loads onto AutoModelForSequenceClassification(base, num_labels=2).
    const expected = bertForSequenceClassificationWeights({ ...baseConfig, num_labels: 2 });
    const targets = config.target_modules as string[];
    const toSave = config.modules_to_save as string[];
    expect(targets).toEqual(['query', 'value']);
    expect(toSave).toContain('classifier');
    const header = readSafetensorsHeader(path.join(dir, 'adapter_model.safetensors')).tensors;
    let lora = 0;
    for (const [name, t] of header) {
      expect(name.startsWith('base_model.model.'), name).toBe(true);
      const inner = name.slice('base_model.model.'.length);
      const m = /^(.*)\.(lora_A|lora_B)\.weight$/.exec(inner);
      if (m) {
        lora++;
        const module = m[1] as string;
        expect(
          targets.some((tm) => module.endsWith(`.${tm}`)),
          name,
        ).toBe(true);
        const [outF, inF] = expected.get(`${module}.weight`) as number[];
        expect(t.shape, name).toEqual(m[2] === 'lora_A' ? [2, inF] : [outF, 2]);
      } else {
        // Head weights: modules_to_save (classifier) or a fresh module loaded by its own name (the pooler).
        expect(expected.get(inner), name).toEqual(t.shape);
      }
    }
    expect(lora).toBe(2 * 2 * baseConfig.num_hidden_layers);
    expect(header.get('base_model.model.classifier.weight')?.shape).toEqual([2, 256]);

    const card = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    const paths = expectCardPathsExist(
      card,
      dir,
      (p) => fs.existsSync(path.join(p, 'config.json')) || fs.existsSync(path.join(p, 'adapter_config.json')),
    );
    expect(paths).toContain(baseRef);
    expect(card).toContain('num_labels=2');
  });

  it('adapterhub: the head (trained pooler + classifier) is written, the base it names is shipped', () => {
    const dir = exportOf(project.bottleneck, 'adapterhub', out('hub'));
    const config = readJson<{ model_name: string; name: string }>(path.join(dir, 'adapter_config.json'));
    expect(fs.existsSync(path.join(resolveFrom(dir, config.model_name), 'config.json'))).toBe(true);
    const head = readJson<{ config: Record<string, unknown> }>(path.join(dir, 'head_config.json'));
    expect(head.config).toMatchObject({ layers: 2, use_pooler: false, num_labels: 2 });
    const tensors = readSafetensorsHeader(path.join(dir, 'model_head.safetensors')).tensors;
    expect(tensors.get(`heads.${config.name}.1.weight`)?.shape).toEqual([256, 256]);
    expect(tensors.get(`heads.${config.name}.4.weight`)?.shape).toEqual([2, 256]);
    const card = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    expectCardPathsExist(
      card,
      dir,
      (p) => fs.existsSync(path.join(p, 'config.json')) || fs.existsSync(path.join(p, 'adapter_config.json')),
    );
  });

  it("bundle: the card's PEFT snippet loads the unzipped adapter/ and a base folder that exists", () => {
    const zip = exportOf(project.lora, 'bundle', out('lora.zip'));
    const entries = unzipSync(new Uint8Array(fs.readFileSync(zip)));
    const card = new TextDecoder().decode(entries['README.md']);
    expectCardPathsExist(card, '/unzipped', (p) =>
      p.startsWith('/unzipped/')
        ? `${path.relative('/unzipped', p)}/adapter_config.json` in entries
        : fs.existsSync(path.join(p, 'config.json')),
    );
  });
});
