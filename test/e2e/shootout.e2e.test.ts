/** The Experiments page's method shoot-out, from the form to its table, verdict and charts. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HF_TINY_DIR, OWN_FIXTURES_DIR } from '../helpers/fixtures.ts';
import { screenshot } from './helpers/browser.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';
import { trainWithCli } from './helpers/cli-train.ts';

const session = useStudioSession('studio-e2e-shootout-');

describe('the method shoot-out', () => {
  it('trains the chosen methods at two data fractions and shows the table, the verdict and both charts', async () => {
    const { page, errors } = await openStudioPage(session);
    const dir = await createProject(page, 'Shoot-out');
    const seeded = trainWithCli(
      session,
      {
        name: 'seed',
        model: path.join(HF_TINY_DIR, 'bert-seqcls/base'),
        dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/continual-sentiment.csv') },
        method: { type: 'lora', r: 2 },
        train: { epochs: 20, batchSize: 8, maxLength: 12, maxSteps: 8, dropout: false },
      },
      { project: dir },
    );
    expect(seeded.status, seeded.stderr).toBe(0);

    await mainNav(page).getByRole('link', { name: 'Experiments' }).click();
    await page.getByRole('button', { name: 'Method shoot-out' }).click();
    const form = page.getByRole('form', { name: 'New shoot-out' });
    await form.getByLabel('lora').waitFor();
    for (const m of ['bottleneck (houlsby)', 'bottleneck (pfeiffer)', 'ia3', 'prompt', 'full'])
      await form.getByLabel(m, { exact: true }).uncheck();
    await form.getByLabel('Data fractions').fill('50, 100');
    await form.getByTestId('shootout-count').getByText('12 runs').waitFor();
    await form.getByRole('button', { name: 'Start shoot-out' }).click();

    const card = page.getByTestId('shootout-1');
    await card.getByTestId('shootout-status').getByText('completed').waitFor({ timeout: 800_000 });
    expect(await card.getByTestId('shootout-row').count()).toBe(2);
    await card
      .getByTestId('shootout-advice')
      .getByText(/^Best accuracy on all the training data: /)
      .waitFor();
    await card.getByRole('img', { name: 'Metric against trainable parameters' }).waitFor();
    await card.getByRole('img', { name: 'Learning curves' }).waitFor();
    // Every cell is filled: each method's best learning rate at each fraction.
    expect(await card.getByTestId('shootout-row').first().textContent()).not.toContain('–');
    await screenshot(page, '41-shootout');
    expect(errors).toEqual([]);
    // Twelve short runs, one after another: minutes on a busy 2-core machine.
  }, 900_000);
});
