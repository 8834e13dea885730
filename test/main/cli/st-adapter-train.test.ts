/**
 * ST-Adapter trained the way a user does it: `studio train` on the shipped moving-shapes video sample with the
 * tiny (random, frozen) ViT fixture, against a linear probe (`head`) on the same frozen ViT's frame-averaged
 * features. The classes differ only in the order of the frames, so the probe stays at chance while the adapter's
 * temporal convolution tells them apart. The numbers are the ones docs/MODALITIES.md reports.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { HF_TINY_DIR, REPO_ROOT } from '../../helpers/fixtures.ts';
import { expectSuccess } from '../../helpers/studio-cli.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-st-adapter-train-');
afterAll(() => tmp.cleanup());
/** `studio <args>` as studioCli runs it, with room for a 200-step run on a busy two-core machine. */
const cli = (args: string[]) =>
  spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/studio.mjs'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, STUDIO_HOME: path.join(tmp.dir, 'home') },
    timeout: 400_000,
  });

function train(
  method: Record<string, unknown>,
  epochs: number,
): { accuracy: number; trainableParams: number } {
  const config = path.join(tmp.dir, `${String(method.type)}.json`);
  fs.writeFileSync(
    config,
    JSON.stringify({
      project: path.join(tmp.dir, 'project'),
      model: path.join(HF_TINY_DIR, 'vit-imgcls', 'base'),
      dataset: { sample: 'moving-shapes' },
      method,
      // One evaluation, at the end: the number reported.
      train: { epochs, batchSize: 8, lr: 0.05, evalEvery: 1000 },
    }),
  );
  const r = cli(['train', '--config', config, '--json']);
  expectSuccess(r);
  const summary = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as {
    metrics: { accuracy: number };
    trainableParams: number;
  };
  return { accuracy: summary.metrics.accuracy, trainableParams: summary.trainableParams };
}

describe('ST-Adapter on the moving-shapes video sample', () => {
  it('reaches >= 90% validation accuracy while the linear probe on frame-averaged features stays near chance', () => {
    const st = train({ type: 'st-adapter', reductionFactor: 2 }, 10);
    const probe = train({ type: 'head' }, 8);
    console.log(
      `validation accuracy (40 clips): ST-Adapter ${st.accuracy.toFixed(3)} (${st.trainableParams} trainable), ` +
        `linear probe ${probe.accuracy.toFixed(3)} (${probe.trainableParams} trainable)`,
    );
    expect(st.accuracy).toBeGreaterThanOrEqual(0.9);
    // Two balanced classes: 40 clips at chance land within a few clips of 0.5.
    expect(probe.accuracy).toBeLessThanOrEqual(0.65);
    // Two CLI training runs on a shared two-core machine.
  }, 800_000);
});
