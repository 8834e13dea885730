/**
 * Makes this folder: a CLIP LoRA trained by the studio and exported in PEFT's format, with the inputs and the
 * studio's outputs that check_clip_peft_export.py compares with PEFT's (transformers' CLIPModel + PeftModel).
 *   npx tsx test/bench/clip-peft/make-clip-peft.ts [OUT]        (OUT defaults to this folder)
 * Everything the Python check needs is in OUT (the base model too), so the folder travels alone.
 *
 * Steps, as a user takes them: `studio train` a LoRA (r 4 on both towers' q_proj/v_proj) a few steps on the
 * few-shot colour images with the tiny transformers CLIP (test/fixtures/clip-ref/clip/base + the test
 * tokenizer), `studio export --format peft`, then the studio's forward pass with the run's own adapter on label
 * prompts and images, saved as inputs.safetensors (pixel_values, input_ids, attention_mask) and
 * studio_outputs.safetensors (logits_per_image, logits_per_text).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { loadAdapter } from '../../../src-main/adapters/io.ts';
import { decodeImage } from '../../../src-main/data/images.ts';
import { initBackend } from '../../../src-main/engine/backends.ts';
import { writeSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import type { RawTensor } from '../../../src-main/engine/safetensors/index.ts';
import { zeroShotBatch } from '../../../src-main/inference/zero-shot.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import { loadTokenizer } from '../../../src-main/models/tokenizer/index.ts';
import { writeClipFolder, writeColourImages } from '../../helpers/clip-folder.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../../..');
export const LABELS = ['red', 'green', 'blue'];

function studio(home: string, args: string[]): string {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin/studio.mjs'), ...args], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, STUDIO_HOME: home },
  });
  if (r.status !== 0)
    throw new Error(`studio ${args[0]} failed (${r.status}): ${r.stderr} ${r.stdout.slice(-2000)}`);
  return r.stdout;
}

const raw = async (t: tf.Tensor, dtype: 'float32' | 'int32'): Promise<RawTensor> => ({
  dtype,
  shape: t.shape,
  data: dtype === 'int32' ? Int32Array.from(await t.data()) : Float32Array.from(await t.data()),
});

export async function makeClipPeft(out: string): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'clip-peft-'));
  try {
    const model = writeClipFolder(work);
    writeColourImages(path.join(work, 'train'), 8, 5);
    const test = Object.values(writeColourImages(path.join(work, 'test'), 2, 6)).flat();
    const config = path.join(work, 'train.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        project: path.join(work, 'project'),
        model,
        dataset: { path: path.join(work, 'train') },
        method: { type: 'lora', r: 4, alpha: 8, dropout: 0 },
        // A few steps at a large rate, so every lora_B is far from its zero start.
        train: { epochs: 2, batchSize: 8, lr: 0.05, seed: 0 },
      }),
    );
    const home = path.join(work, 'home');
    const summary = JSON.parse(
      studio(home, ['train', '--config', config, '--json']).trim().split('\n').at(-1) ?? '{}',
    ) as {
      runId: number;
      adapterDir: string;
    };
    for (const d of ['base', 'peft-export']) fs.rmSync(path.join(out, d), { recursive: true, force: true });
    const exported = path.join(out, 'peft-export');
    studio(home, [
      'export',
      '--project',
      path.join(work, 'project'),
      '--run',
      String(summary.runId),
      '--format',
      'peft',
      '--out',
      exported,
    ]);
    // The card and base_model_name_or_path name the temporary base folder: point them at the copy beside the
    // export instead (relative to the repository root, where the check runs), so the folder is reproducible.
    fs.rmSync(path.join(exported, 'README.md'), { force: true });
    const configFile = path.join(exported, 'adapter_config.json');
    const peftConfig = JSON.parse(fs.readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    peftConfig.base_model_name_or_path = path.relative(REPO, path.join(out, 'base'));
    fs.writeFileSync(configFile, `${JSON.stringify(peftConfig, null, 2)}\n`);
    fs.mkdirSync(path.join(out, 'base'), { recursive: true });
    for (const f of ['config.json', 'model.safetensors'])
      fs.copyFileSync(path.join(model, f), path.join(out, 'base', f));

    await initBackend('wasm');
    const base = loadModel(model);
    const adapter = loadAdapter(base, path.join(work, 'project', summary.adapterDir));
    const batch = zeroShotBatch({
      model: base,
      tok: loadTokenizer(model),
      dir: model,
      images: test.map((f) => decodeImage(f)),
      labels: LABELS,
    });
    const result = base.forward(batch, { hooks: adapter.hooks });
    writeSafetensors(
      path.join(out, 'inputs.safetensors'),
      new Map([
        ['pixel_values', await raw(batch.pixelValues, 'float32')],
        ['input_ids', await raw(batch.inputIds, 'int32')],
        ['attention_mask', await raw(batch.attentionMask, 'int32')],
      ]),
    );
    const extra = result.extra ?? {};
    writeSafetensors(
      path.join(out, 'studio_outputs.safetensors'),
      new Map([
        ['logits_per_image', await raw(extra.logits_per_image as tf.Tensor, 'float32')],
        ['logits_per_text', await raw(extra.logits_per_text as tf.Tensor, 'float32')],
      ]),
    );
    tf.dispose([result.logits, ...Object.values(extra), ...Object.values(batch)]);
    adapter.dispose();
    base.dispose();
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await makeClipPeft(path.resolve(process.argv[2] ?? HERE));
}
