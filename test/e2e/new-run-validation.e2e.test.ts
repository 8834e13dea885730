import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { screenshot } from './helpers/browser.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage, waitForRunCompleted } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-new-run-validation-');

const rows = (n: number, word: string) =>
  [
    'text,label',
    ...Array.from(
      { length: n },
      (_, i) => `${word} ${i} ${i % 2 ? 'great fun' : 'dull waste'},${i % 2 ? 'pos' : 'neg'}`,
    ),
  ].join('\n');

describe('New run with a validation file', () => {
  it('trains on the whole dataset and validates on every row of the file', async () => {
    const train = path.join(session.dir, 'train.csv');
    const validation = path.join(session.dir, 'validation.csv');
    fs.writeFileSync(train, rows(40, 'review'));
    fs.writeFileSync(validation, rows(7, 'held'));
    const { page, errors } = await openStudioPage(session);
    await createProject(page, 'Validation file');
    await mainNav(page).getByRole('link', { name: 'New run' }).click();
    await page.getByTestId('model-info').getByText('bert').waitFor({ timeout: 60_000 });

    // A built-in sample takes a fraction only; the default fraction is shown and explained.
    expect(await page.getByTestId('validation-fraction').inputValue()).toBe('0.2');
    await page.getByText('A stratified split').waitFor();
    expect(await page.getByTestId('validation-file-mode').isDisabled()).toBe(true);

    await page.getByLabel('A file (CSV').check();
    await page.getByTestId('dataset-path').fill(train);
    await page.getByTestId('validation-file-mode').check();
    await page.getByTestId('validation-path').fill(validation);
    await page.getByTestId('method').selectOption('lora');
    // LoRA's target modules come from its JSON Schema, typed as a list, and reach the config.
    await page.locator('label[data-field="targets"]').locator('input').fill('query, value');
    await page.getByLabel('Max length (tokens)').fill('16');
    await page.getByLabel('Batch size').fill('8');
    await page.getByTestId('seed').fill('3');
    await page.getByTestId('grad-accumulation').fill('2');
    await page.getByTestId('grad-clip').fill('0.5');
    await page.getByTestId('precision').selectOption('mixed');
    await page.getByTestId('early-stopping-metric').selectOption('loss');
    await page.getByTestId('early-stopping-patience').fill('2');
    await page.getByTestId('max-steps').fill('2');
    await page.getByRole('button', { name: /CLI config/ }).click();
    const cli = JSON.parse((await page.getByTestId('cli-config').textContent()) ?? '{}') as {
      dataset: Record<string, unknown>;
      method: Record<string, unknown>;
      train: Record<string, unknown>;
    };
    expect(cli.dataset).toEqual({ path: train, validation });
    expect(cli.method).toMatchObject({ type: 'lora', targets: ['query', 'value'] });
    expect(cli.train).toMatchObject({
      seed: 3,
      gradAccumulation: 2,
      gradClip: 0.5,
      precision: 'mixed',
      earlyStopping: { metric: 'loss', patience: 2 },
      maxSteps: 2,
    });
    await screenshot(page, '16-new-run-validation-file');

    await page.getByTestId('start-run').click();
    await page.getByTestId('run-status').waitFor();
    await waitForRunCompleted(page);
    await expect
      .poll(async () => (await page.getByTestId('run-log').textContent()) ?? '', { timeout: 30_000 })
      .toContain(`data: 40 training, 7 validation examples (validation: the file ${validation})`);
    // This machine trains on wasm: mixed precision falls back to fp32 and the run log says so.
    expect(await page.getByTestId('run-log').textContent()).toContain(
      'mixed precision asked for, but mixed precision runs on the webgpu backend (this run uses wasm): this run trains in fp32',
    );
    expect(errors).toEqual([]);
  });
});
