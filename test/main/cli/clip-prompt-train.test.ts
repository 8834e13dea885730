/**
 * Prompt tuning of CLIP's text tower the way a user runs it: `studio train` with `method: prompt` on a folder of
 * images per class and a CLIP base, `studio zero-shot --adapter` with the result, and the exports: PEFT refused in
 * one line (PEFT's prompt tuning cannot wrap CLIP's text tower), a bundle written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeClipFewShot } from '../../helpers/clip-folder.ts';
import {
  expectSuccess,
  expectUserError,
  lastJsonLine,
  studioCli,
  writeConfigFile,
  zeroShotCli,
} from '../../helpers/studio-cli.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-clip-prompt-');
afterAll(() => tmp.cleanup());
const cli = studioCli(path.join(tmp.dir, 'home'));

describe('prompt tuning on a CLIP base from the command line', () => {
  it('trains only the virtual tokens, ranks with them, and exports as a bundle but not as PEFT', () => {
    const { model, train, test } = writeClipFewShot(tmp.dir, 8, 4);
    const project = path.join(tmp.dir, 'project');
    const config = writeConfigFile(path.join(tmp.dir, 'train.json'), {
      project,
      model,
      dataset: { path: train },
      method: { type: 'prompt', virtualTokens: 4 },
      train: { epochs: 3, batchSize: 8, lr: 0.05, seed: 0 },
    });
    const trained = cli(['train', '--config', config, '--json']);
    expectSuccess(trained);
    const summary = lastJsonLine<{
      runId: number;
      status: string;
      adapterDir: string;
      trainableParams: number;
    }>(trained.stdout);
    expect(summary.status).toBe('completed');
    // 4 virtual tokens x the text tower's width 32; no head (the label prompts are the classes).
    expect(summary.trainableParams).toBe(128);
    const adapter = path.join(project, summary.adapterDir);
    expect(fs.existsSync(path.join(adapter, 'adapter_config.json'))).toBe(false);

    const ranked = (extra: string[]) =>
      zeroShotCli(cli, { model, images: test, labels: 'red,green,blue', extra }).images.map((i) =>
        i.labels.map((l) => l.probability),
      );
    // The trained prompt changes what the text tower says about the labels.
    expect(ranked(['--adapter', adapter])).not.toEqual(ranked([]));

    const exportRun = (format: string, out: string) =>
      cli(['export', '--project', project, '--run', String(summary.runId), '--format', format, '--out', out]);
    const peft = exportRun('peft', path.join(tmp.dir, 'peft'));
    expectUserError(peft, /PEFT's prompt tuning cannot wrap CLIP's text tower: export a bundle/);
    expect(fs.existsSync(path.join(tmp.dir, 'peft'))).toBe(false);
    const bundle = path.join(tmp.dir, 'run.zip');
    expectSuccess(exportRun('bundle', bundle));
    expect(fs.statSync(bundle).size).toBeGreaterThan(0);
  }, 300_000);
});
