/**
 * The GPU fit check where it runs: in the training process, on webgpu (lavapipe here), before the first step.
 * `studio train` of a LoRA on the tiny GPT-2 with STUDIO_GPU_MEMORY_MB far below its estimate fails in one line
 * naming the estimate and the setting (gpu-fit.test.ts covers the binding limit and the runs that fit).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { studioCli } from '../../helpers/studio-cli.ts';
import { tempDir } from '../../helpers/temp.ts';
import { useWebGpuForTests } from '../../helpers/webgpu.ts';

const tmp = tempDir('studio-gpu-fit-');
afterAll(() => tmp.cleanup());
let skip: string | null = null;
beforeAll(async () => {
  // Sets VK_DRIVER_FILES and STUDIO_WEBGPU_SOFTWARE in this process's environment, which the CLI inherits.
  skip = await useWebGpuForTests();
});

function writeConfig(name: string): string {
  const file = path.join(tmp.dir, `${name}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify({
      project: path.join(tmp.dir, name),
      model: path.join(HF_TINY_DIR, 'gpt2-lm', 'base'),
      name,
      dataset: { sample: 'name-list' },
      method: { type: 'lora', r: 4 },
      train: { epochs: 0.05, batchSize: 8, maxLength: 16 },
    }),
  );
  return file;
}

describe('training on webgpu checks the run against the device first', () => {
  it('fails a run over STUDIO_GPU_MEMORY_MB before its first step, in one line with the estimate', (ctx) => {
    if (skip) ctx.skip();
    const studio = studioCli(path.join(tmp.dir, 'home'), {
      STUDIO_BACKEND: 'webgpu',
      STUDIO_GPU_MEMORY_MB: '0.01',
    });
    const r = studio(['train', '--config', writeConfig('over')]);
    expect(r.status).toBe(1);
    // Pre-flight (on the cpu backend, against half the machine's memory) let it through: the worker refused it.
    expect(r.stdout.trim()).toMatch(
      /^run \d+: failed \(method\.type: lora on this model needs about [\d.]+ GB of memory, over the budget of 0\.00 GB \(STUDIO_GPU_MEMORY_MB\) even with train\.batchSize 1; use a smaller model or a lighter method\)$/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
