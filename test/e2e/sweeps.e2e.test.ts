/**
 * The Experiments page: a sweep set up from a run's settings trains its trials as ordinary runs, stops poor ones
 * early and marks the best; Cancel stops it at once and Resume goes on from there.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HF_TINY_DIR, OWN_FIXTURES_DIR } from '../helpers/fixtures.ts';
import { screenshot } from './helpers/browser.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';
import { trainWithCli } from './helpers/cli-train.ts';

const session = useStudioSession('studio-e2e-sweeps-');

describe('the Experiments page', () => {
  it('runs a sweep from a run, marks the best trial; Cancel stops a second one and Resume finishes it', async () => {
    const { page, errors } = await openStudioPage(session);
    const dir = await createProject(page, 'Sweeps');
    // The run whose settings the sweeps start from: a short LoRA run on the tiny BERT, trained in a terminal.
    const seeded = trainWithCli(
      session,
      {
        name: 'seed',
        model: path.join(HF_TINY_DIR, 'bert-seqcls/base'),
        dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/continual-sentiment.csv') },
        method: { type: 'lora', r: 2, alpha: 4 },
        train: { epochs: 20, batchSize: 8, maxLength: 12, maxSteps: 24, dropout: false },
      },
      { project: dir },
    );
    expect(seeded.status, seeded.stderr).toBe(0);

    await mainNav(page).getByRole('link', { name: 'Experiments' }).click();
    await page.getByTestId('sweeps-empty').waitFor();
    await page.getByRole('button', { name: 'New sweep' }).click();
    const form = page.getByRole('form', { name: 'New sweep' });
    await form.getByTestId('sweep-from-run').selectOption({ label: '#1 seed (lora)' });
    await form.getByLabel('Values of option 1').fill('1e-5, 3e-3, 3e-2');
    await form.getByRole('button', { name: 'Add an option' }).click();
    await form.getByLabel('Option 2', { exact: true }).selectOption('method.r');
    await form.getByLabel('Values of option 2').fill('2, 4');
    await form.getByTestId('sweep-count').getByText('6 trials').waitFor();
    await form.getByLabel('eta').fill('2');
    await form.getByLabel('rungs').fill('1');
    await form.getByRole('button', { name: 'Start sweep' }).click();

    const first = page.getByTestId('sweep-1');
    await first.getByTestId('sweep-status').getByText('completed').waitFor({ timeout: 400_000 });
    const rows = first.getByTestId('sweep-trial');
    expect(await rows.count()).toBe(6);
    await first.locator('tr.best').getByText('best').waitFor();
    // Every trial is a run of the project, linked from its row.
    expect(await first.getByRole('link', { name: /^run \d+$/ }).count()).toBe(6);
    await screenshot(page, '40-sweep');

    // A second sweep, cancelled while its first trial trains, then resumed to the end.
    await page.getByRole('button', { name: 'New sweep' }).click();
    await form.getByTestId('sweep-from-run').selectOption({ label: '#1 seed (lora)' });
    await form.getByLabel('Values of option 1').fill('1e-3, 3e-3');
    await form.getByText('Stop poor trials early').click();
    await form.getByRole('button', { name: 'Start sweep' }).click();
    const second = page.getByTestId('sweep-2');
    await second.getByTestId('sweep-trial').first().getByText('running').waitFor({ timeout: 120_000 });
    await second.getByRole('button', { name: 'Cancel sweep' }).click();
    await second.getByTestId('sweep-status').getByText('cancelled').waitFor({ timeout: 120_000 });
    expect(await second.getByTestId('sweep-trial').nth(1).textContent()).toContain('pending');
    await second.getByRole('button', { name: 'Resume sweep' }).click();
    await second.getByTestId('sweep-status').getByText('completed').waitFor({ timeout: 300_000 });
    expect(await second.getByTestId('sweep-trial').nth(1).textContent()).toContain('completed');
    expect(errors).toEqual([]);
  });
});
