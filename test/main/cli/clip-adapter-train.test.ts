/**
 * CLIP-Adapter trained the way a user does it: `studio train` on a folder of images per class with a CLIP base
 * (the text tower's label prompts are the class prototypes), then `studio zero-shot` with and without the adapter
 * on held-out images. The numbers are the ones docs/MODALITIES.md reports.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeClipFewShot } from '../../helpers/clip-folder.ts';
import {
  expectSuccess,
  lastJsonLine,
  studioCli,
  writeConfigFile,
  zeroShotCli,
} from '../../helpers/studio-cli.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-clip-adapter-');
afterAll(() => tmp.cleanup());
const cli = studioCli(path.join(tmp.dir, 'home'));

describe('CLIP-Adapter few-shot training from an image folder', () => {
  it('trains on 16 images per class and beats zero-shot CLIP on held-out images', () => {
    const { model, train, test } = writeClipFewShot(tmp.dir, 16, 20);
    const config = writeConfigFile(path.join(tmp.dir, 'train.json'), {
      project: path.join(tmp.dir, 'project'),
      model,
      dataset: { path: train },
      method: { type: 'clip-adapter', towers: 'both' },
      train: { epochs: 30, batchSize: 8, lr: 0.1 },
    });
    const trained = cli(['train', '--config', config, '--json']);
    expectSuccess(trained);
    const summary = lastJsonLine<{ adapterDir: string; trainableParams: number }>(trained.stdout);
    // Two towers x (16x4 down + 4x16 up), no head: the prompts are the classes.
    expect(summary.trainableParams).toBe(256);

    const accuracy = (extra: string[]) => {
      const out = zeroShotCli(cli, { model, images: test, labels: 'red,green,blue', extra });
      return (
        out.images.filter((i) => path.basename(path.dirname(i.image)) === i.labels[0]?.label).length /
        test.length
      );
    };
    const zeroShot = accuracy([]);
    const adapted = accuracy(['--adapter', path.join(tmp.dir, 'project', summary.adapterDir)]);
    console.log(`held-out accuracy: zero-shot ${zeroShot.toFixed(3)}, CLIP-Adapter ${adapted.toFixed(3)}`);
    expect(adapted).toBeGreaterThan(zeroShot);
    expect(adapted).toBeGreaterThanOrEqual(0.9);
    // Three CLI processes (a training run and two zero-shot passes over 60 images) on a shared machine.
  }, 420_000);
});
