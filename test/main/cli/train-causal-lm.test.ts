/**
 * The causal-LM sample task from the command line: `studio train` with the name-list sample trains a LoRA on a
 * GPT-2 with next-token loss, reports held-out loss and perplexity, and `studio generate` then generates with the
 * adapter it saved beside the base. On the tiny GPT-2 fixture (800 tokens, random weights) so it runs anywhere;
 * the bundled decoder trains the same way.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { GenerationResult } from '../../../src-shared/generation.ts';
import { HF_TINY_DIR, REPO_ROOT } from '../../helpers/fixtures.ts';
import { lastJsonLine, writeConfigFile } from '../../helpers/studio-cli.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-train-lm-');
afterAll(() => tmp.cleanup());
const BASE = path.join(HF_TINY_DIR, 'gpt2-lm', 'base');

const studio = async (args: string[]) =>
  (
    await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'bin/studio.mjs'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, STUDIO_HOME: path.join(tmp.dir, 'home') },
      timeout: 300_000,
    })
  ).stdout;

describe('studio train on the name-list sample (causal LM)', () => {
  it('trains a LoRA with next-token loss, reports held-out perplexity, and generates with it', async () => {
    const project = path.join(tmp.dir, 'project');
    const config = writeConfigFile(path.join(tmp.dir, 'run.json'), {
      project,
      model: BASE,
      name: 'names lora',
      dataset: { sample: 'name-list' },
      method: { type: 'lora', r: 4 },
      train: { epochs: 0.1, batchSize: 16, lr: 0.02, maxLength: 32 },
    });
    const out = await studio(['train', '--config', config, '--json']);
    const summary = lastJsonLine<{
      status: string;
      metrics: { loss: number; perplexity: number };
      adapterDir: string;
    }>(out);
    expect(summary.status).toBe('completed');
    expect(summary.metrics.perplexity).toBeCloseTo(Math.exp(summary.metrics.loss), 6);
    // Below what a model that learned nothing of the text does (uniform over the 800 tokens).
    expect(summary.metrics.perplexity).toBeLessThan(800);

    const adapter = path.join(project, summary.adapterDir);
    const gen = JSON.parse(
      await studio([
        'generate',
        '--model',
        BASE,
        '--adapter',
        adapter,
        '--with-base',
        '--prompt',
        'Mary\nJohn\n',
        '--max-new-tokens',
        '8',
        '--no-eos',
        '--json',
      ]),
    ) as GenerationResult;
    expect(gen.columns.map((c) => [c.title, c.error, c.ids.length])).toEqual([
      ['Base model', null, 8],
      ['adapter', null, 8],
    ]);
  }, 400_000);
});
