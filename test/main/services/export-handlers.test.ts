import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unzipSync } from 'fflate';
import { readSafetensors, writeSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import { copyTinyLora, recordRunWithAdapter, TINY_BERT } from '../../helpers/export-fixtures.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { serviceTestContext } from '../../helpers/service-context.ts';

const { ctx, handlers, dir: tmpDir } = serviceTestContext('studio-export-svc-');

/** A new project through the services, as the Projects page makes one; returns its folder. */
async function newProject(name: string): Promise<string> {
  return (await handlers['projects:create']({ name, parentDir: tmpDir })).path;
}

/** A project with one completed run whose adapter is the tiny BERT's PEFT LoRA fixture. */
async function projectWithRun(name: string, status: 'completed' | 'failed' = 'completed') {
  const project = await newProject(name);
  const runId = recordRunWithAdapter(
    ctx.projects.db(project),
    project,
    {
      name: 'shared lora',
      method: 'lora',
      config: { model: TINY_BERT, method: { type: 'lora', r: 2 } },
      status,
      trainableParams: 100,
      totalParams: 10_000,
      accuracy: 0.75,
    },
    copyTinyLora,
  );
  return { project, runId };
}

describe('export handlers (export:preview / export:run / export:import)', () => {
  it('previews formats, card and default paths; exports under the project for a relative path; imports', async () => {
    const { project, runId } = await projectWithRun('source');
    const preview = await handlers['export:preview']({ project, runId });
    expect(preview.formats.map((f) => [f.format, f.unavailable === null])).toEqual([
      ['peft', true],
      ['adapterhub', false],
      ['merged', true],
      ['bundle', true],
      ['accelerate', true],
    ]);
    expect(preview.formats[0]?.label).toBe('PEFT adapter');
    expect(preview.modelCard).toMatch(/^# shared lora\n/);
    expect(preview.modelCard).toContain('| Accuracy | 0.7500 |');
    expect(preview.defaultOut.bundle).toBe(path.join(project, `exports/run-${runId}-shared-lora-bundle.zip`));

    const peft = await handlers['export:run']({ project, runId, format: 'peft', out: 'exports/peft' });
    expect(peft.out).toBe(path.join(project, 'exports/peft'));
    // Every folder export carries its model card (README.md) beside the adapter files.
    expect(peft.files.map((f) => f.name)).toEqual([
      'adapter_config.json',
      'adapter_model.safetensors',
      'README.md',
    ]);
    expect(peft.files[1]?.bytes).toBe(
      fs.statSync(path.join(HF_TINY_DIR, 'bert-seqcls/lora/adapter_model.safetensors')).size,
    );
    // A second export to the same, now non-empty, folder is refused rather than mixed in.
    await expect(
      handlers['export:run']({ project, runId, format: 'peft', out: 'exports/peft' }),
    ).rejects.toThrow(/already exists and is not an empty folder/);

    const bundle = await handlers['export:run']({ project, runId, format: 'bundle', out: 'exports/b.zip' });
    expect(bundle.files.map((f) => f.name).sort()).toEqual(
      [
        'README.md',
        'adapter/adapter_config.json',
        'adapter/adapter_model.safetensors',
        'manifest.json',
        // The run's metric points, so the imported run draws its curves.
        'metrics.jsonl',
        // The run's report, for a teammate without the studio.
        'report.html',
      ].sort(),
    );
    const report = new TextDecoder().decode(unzipSync(fs.readFileSync(bundle.out))['report.html']);
    expect(report).toMatch(/^<!doctype html>/);
    expect(report).toContain('<title>Run #1 shared lora</title>');
    expect(report).toContain('http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;');
    const target = await newProject('target');
    const imported = await handlers['export:import']({ project: target, bundle: bundle.out });
    expect(imported).toEqual({ runId: 1, name: 'shared lora' });
    const run = await handlers['runs:get']({ project: target, runId: 1 });
    expect(run).toMatchObject({
      status: 'completed',
      method: 'lora',
      trainableParams: 100,
      totalParams: 10_000,
    });
    expect(run.finalMetrics).toEqual({ accuracy: 0.75 });
  });

  it('import refuses a bundle for another base model, or one whose base is not on this machine', async () => {
    const { project, runId } = await projectWithRun('base-check');
    const { out } = await handlers['export:run']({ project, runId, format: 'bundle', out: 'exports/b.zip' });
    const target = await newProject('base-check-target');
    await expect(
      handlers['export:import']({
        project: target,
        bundle: out,
        model: path.join(HF_TINY_DIR, 'roberta-seqcls/base'),
      }),
    ).rejects.toThrow(/b\.zip: trained on a different base model: .*roberta-seqcls\/base has weights sha256/);
    await expect(
      handlers['export:import']({ project: target, bundle: out, model: path.join(tmpDir, 'nowhere') }),
    ).rejects.toThrow(
      /b\.zip: its base model ".*bert-seqcls\/base" is not on this machine .*: pass --model DIR/,
    );
    expect(await handlers['runs:list']({ project: target })).toEqual([]);
  });

  it('adapterhub on the default base (no pooler): the adapter is written, the head left out with a warning', async () => {
    const project = await newProject('hub');
    const t = (shape: number[]) => ({
      dtype: 'float32' as const,
      shape,
      data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i / 100),
    });
    const config = {
      variant: 'pfeiffer',
      placement: 'sequential',
      activation: 'relu',
      scaling: 1,
      labels: ['a', 'b'],
    };
    const runId = recordRunWithAdapter(
      ctx.projects.db(project),
      project,
      { name: 'hub run', method: 'bottleneck', config: { model: 'default', method: { type: 'bottleneck' } } },
      (dir) => {
        writeSafetensors(
          path.join(dir, 'adapter.safetensors'),
          new Map([
            ['adapters.0.ffn.down.weight', t([256, 16])],
            ['adapters.0.ffn.down.bias', t([16])],
            ['adapters.0.ffn.up.weight', t([16, 256])],
            ['adapters.0.ffn.up.bias', t([256])],
            ['classifier.weight', t([256, 2])],
            ['classifier.bias', t([2])],
          ]),
        );
        fs.writeFileSync(
          path.join(dir, 'studio_adapter.json'),
          JSON.stringify({ method: 'bottleneck', config }),
        );
      },
    );
    const r = await handlers['export:run']({
      project,
      runId,
      format: 'adapterhub',
      out: 'exports/hub',
    });
    // A run on the bundled default model ships that model as base-model/, so the card's snippet loads something real.
    expect(r.files.map((f) => f.name)).toEqual([
      'adapter_config.json',
      'adapter.safetensors',
      'README.md',
      'base-model/README.md',
      'base-model/config.json',
      'base-model/model.safetensors',
      'base-model/tokenizer.json',
      'base-model/tokenizer_config.json',
    ]);
    expect(r.warnings).toEqual([
      'the task head is not in the AdapterHub folder (the base model has no pooler); it travels in the bundle',
    ]);
    const names = [...readSafetensors(path.join(r.out, 'adapter.safetensors')).tensors.keys()].sort();
    expect(names).toEqual([
      'bert.encoder.layer.0.output.adapters.hub_run.adapter_down.0.bias',
      'bert.encoder.layer.0.output.adapters.hub_run.adapter_down.0.weight',
      'bert.encoder.layer.0.output.adapters.hub_run.adapter_up.bias',
      'bert.encoder.layer.0.output.adapters.hub_run.adapter_up.weight',
    ]);
    const hub = JSON.parse(fs.readFileSync(path.join(r.out, 'adapter_config.json'), 'utf8')) as {
      config: Record<string, unknown>;
    };
    // Pfeiffer placement without the AdapterHub preset's extra layer norm before the adapter: ours exactly.
    expect(hub.config).toMatchObject({
      mh_adapter: false,
      output_adapter: true,
      reduction_factor: 16,
      original_ln_before: false,
    });
  });

  it('offers a run that is not completed only as an Accelerate folder, and refuses the other formats', async () => {
    const { project, runId } = await projectWithRun('failed', 'failed');
    const preview = await handlers['export:preview']({ project, runId });
    expect(preview.formats.filter((f) => f.unavailable === null).map((f) => f.format)).toEqual([
      'accelerate',
    ]);
    expect(preview.formats.find((f) => f.format === 'peft')?.unavailable).toMatch(
      /is failed: only a completed run has an adapter to export/,
    );
    await expect(
      handlers['export:run']({ project, runId, format: 'peft', out: 'exports/peft' }),
    ).rejects.toThrow(/is failed: only completed runs can be exported/);
  });

  it('import-run refuses a folder that is not a trained Accelerate folder, recording nothing', async () => {
    const project = await newProject('import-run');
    fs.mkdirSync(path.join(project, 'exports/empty'), { recursive: true });
    await expect(handlers['export:import-run']({ project, folder: 'exports/empty' })).rejects.toThrow(
      /run_config\.json: not found/,
    );
    expect(await handlers['runs:list']({ project })).toEqual([]);
  });
});
