/**
 * The causal-LM sample task in web mode: New run on a decoder (the bundled one where its folder is present, else
 * the tiny GPT-2 fixture as a folder) with the name-list sample and LoRA; the run completes with its held-out
 * perplexity as its headline; then the generation playground on the Adapters page shows the base and the new
 * adapter side by side for a prompt that starts a list of names.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasDefaultDecoder } from '../../src-main/models/default-model.ts';
import { HF_TINY_DIR } from '../helpers/fixtures.ts';
import { screenshot } from './helpers/browser.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage, waitForRunCompleted } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-causal-lm-');
const decoder = hasDefaultDecoder() ? 'default-decoder' : path.join(HF_TINY_DIR, 'gpt2-lm/base');

describe('the causal-LM sample task (web mode)', () => {
  it('trains a LoRA on the decoder with the name-list sample, then generates base vs adapter', async () => {
    const { page, errors } = await openStudioPage(session);
    await createProject(page, 'Names LM');

    await mainNav(page).getByRole('link', { name: 'New run' }).click();
    await page.getByTestId('model-path').fill(decoder);
    await page.getByTestId('model-path').press('Tab');
    await page.getByTestId('model-info').getByText('gpt2').waitFor({ timeout: 60_000 });
    await page.getByTestId('sample').selectOption('name-list');
    await page.getByTestId('method').selectOption('lora');
    // Short: a few steps and one evaluation on a small held-out share (a 2-core CPU trains the decoder slowly).
    await page.getByLabel('Validation fraction').fill('0.05');
    await page.getByLabel('Max length (tokens)').fill('24');
    await page.getByLabel('Batch size').fill('8');
    await page.getByLabel('Learning rate').fill('0.005');
    await page.getByLabel('Evaluate every N steps').fill('6');
    await page.getByTestId('max-steps').fill('6');
    await page.getByRole('button', { name: 'Show as CLI config' }).click();
    await expect
      .poll(
        async () => JSON.parse((await page.getByTestId('cli-config').textContent()) ?? '{}').dataset?.sample,
      )
      .toBe('name-list');
    await screenshot(page, 'causal-lm-01-new-run');
    await page.getByTestId('start-run').click();
    // The pre-flight check loads the decoder before the run page opens: slow on a loaded CPU.
    await page.getByTestId('run-status').waitFor({ timeout: 120_000 });
    const runId = Number(/#\/runs\/(\d+)/.exec(page.url())?.[1]);
    await waitForRunCompleted(page);
    // Held-out perplexity is the run's headline.
    await page.getByTestId('run-headline').getByText('Final perplexity').waitFor();
    expect(Number(await page.getByTestId('headline-final').textContent())).toBeGreaterThan(1);
    await screenshot(page, 'causal-lm-02-run-perplexity');

    await mainNav(page).getByRole('link', { name: 'Adapters' }).click();
    const form = page.getByRole('form', { name: 'Generation' });
    await form.waitFor();
    expect(await page.getByTestId('generate-model').inputValue()).toBe(decoder);
    await page.getByTestId(`generate-with-${runId}`).check();
    await page.getByTestId('generate-prompt').fill('Mary\nJohn\n');
    await form.getByLabel('Max new tokens').fill('24');
    await page.getByTestId('generate').click();
    await page.getByTestId('generate').getByText('Generate', { exact: true }).waitFor({ timeout: 180_000 });
    for (const column of [page.getByTestId('generation-base'), page.getByTestId(`generation-${runId}`)]) {
      expect(await column.getByTestId('generation-error').count(), (await column.textContent()) ?? '').toBe(
        0,
      );
      expect(await column.getByTestId('generation-stats').textContent()).toMatch(/\d+ tokens · stopped at/);
    }
    await screenshot(page, 'causal-lm-03-base-vs-adapter');
    expect(errors).toEqual([]);
  }, 560_000);
});
