import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HF_TINY_DIR } from '../helpers/fixtures.ts';
import { screenshot } from './helpers/browser.ts';
import { useStudioSession } from './helpers/session.ts';

const session = useStudioSession('studio-e2e-train-');

describe('a new user trains an adapter from the UI (web mode)', () => {
  it('creates a project, starts a bottleneck run on a sample, watches the chart grow, and the UI stays responsive', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(session.studio.url);
    await page.getByTestId('project-name').fill('Names');
    await page.getByTestId('create-project').click();
    await page.getByTestId('current-project').waitFor();

    await page.getByRole('link', { name: 'New run' }).click();
    const modelDir = path.join(HF_TINY_DIR, 'bert-seqcls/base');
    await page.getByTestId('model-path').fill(modelDir);
    await page.getByTestId('model-path').press('Tab');
    await page.getByTestId('model-info').getByText('bert').waitFor();
    await page.getByTestId('sample').selectOption('first-names');
    await page.getByTestId('method').selectOption('bottleneck');
    await page.getByTestId('method-help').waitFor();
    await page.getByLabel('Max length (tokens)').fill('12');
    await page.getByLabel('Batch size').fill('32');
    await page.getByLabel('Evaluate every N steps').fill('10');
    await page.getByTestId('max-steps').fill('150');
    await page.getByRole('button', { name: 'Show as CLI config' }).click();
    await expect
      .poll(async () => JSON.parse((await page.getByTestId('cli-config').textContent()) ?? '{}').method?.type)
      .toBe('bottleneck');
    await screenshot(page, '05-new-run');
    await page.getByTestId('start-run').click();

    await page.getByTestId('run-status').waitFor();
    const chart = page.getByTestId('chart-loss');
    await expect
      .poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 120_000 })
      .toBeGreaterThan(3);
    const early = Number(await chart.getAttribute('data-points'));
    await screenshot(page, '06-run-training');

    // While it trains, the UI still answers: open another page and inspect a model.
    await page.getByRole('link', { name: 'New run' }).click();
    const t0 = Date.now();
    await page.getByTestId('model-path').fill(path.join(HF_TINY_DIR, 'gpt2-lm/base'));
    await page.getByTestId('model-path').press('Tab');
    // Polled as text, so a failure shows what the page showed instead (another model's info, an error, nothing).
    await expect
      .poll(
        async () => (await page.locator('[data-testid="model-info"], .error').allTextContents()).join(' | '),
        {
          timeout: 30_000,
        },
      )
      .toMatch(/\bgpt2 · /);
    const answered = Date.now() - t0;
    await page.goBack();

    await page.getByTestId('run-status').getByText('completed').waitFor({ timeout: 240_000 });
    await expect
      .poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 10_000 })
      .toBeGreaterThan(early);
    await screenshot(page, '07-run-completed');
    await page.getByRole('link', { name: '← all runs' }).click();
    await page.getByTestId('run-list').getByText('completed').waitFor();
    await screenshot(page, '08-runs');
    expect(answered).toBeLessThan(30_000);
    expect(errors).toEqual([]);
  });
});
