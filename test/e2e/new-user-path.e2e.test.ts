/**
 * The walk of a new user, end to end on real training (web mode, Debian Chromium): create a project,
 * import the SpamAssassin sample, train a bottleneck adapter on a fixture model while its chart grows, train a
 * LoRA adapter, compare the two (overlay, table, config diff, scatter), and ask the playground for predictions
 * from both. Each step saves a screenshot.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { HF_TINY_DIR } from '../helpers/fixtures.ts';
import { screenshot } from './helpers/browser.ts';
import { useStudioSession } from './helpers/session.ts';

const session = useStudioSession('studio-e2e-path-');

const MODEL = path.join(HF_TINY_DIR, 'bert-seqcls/base');
const points = async (page: Page, testid: string) =>
  Number(await page.getByTestId(testid).getAttribute('data-points'));

/** Fills the New run form for the imported sample and starts; returns the run id from the URL. */
async function startRun(page: Page, method: 'bottleneck' | 'lora'): Promise<number> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New run' }).click();
  await page.getByTestId('model-path').fill(MODEL);
  await page.getByTestId('model-path').press('Tab');
  await page.getByTestId('model-info').getByText('bert').waitFor();
  // The sample added on the Datasets page is listed once, under the built-in samples.
  await page.getByTestId('sample').selectOption('spam-assassin');
  await page.getByTestId('method').selectOption(method);
  await page.getByLabel('Max length (tokens)').fill('32');
  await page.getByLabel('Batch size').fill('16');
  await page.getByLabel('Evaluate every N steps').fill('10');
  await page.getByTestId('max-steps').fill('40');
  await page.getByTestId('start-run').click();
  await page.getByTestId('run-status').waitFor();
  const id = Number(/#\/runs\/(\d+)/.exec(page.url())?.[1]);
  expect(id).toBeGreaterThan(0);
  return id;
}

describe("a new user's path through the studio", () => {
  it('imports a sample, trains bottleneck and LoRA adapters, compares them and tries both in the playground', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(session.studio.url);
    await page.evaluate(() => localStorage.setItem('studio-theme', 'light'));
    await page.reload();
    const nav = page.getByRole('navigation', { name: 'Main' });

    // 1. A project.
    await page.getByTestId('project-name').fill('Spam filter');
    await page.getByTestId('create-project').click();
    await page.getByTestId('current-project').waitFor();
    await screenshot(page, '40-path-project');

    // 2. The SpamAssassin sample, one click.
    await nav.getByRole('link', { name: 'Datasets' }).click();
    await page.getByTestId('add-sample-spam-assassin').click();
    const detail = page.getByTestId('dataset-detail');
    await detail.getByRole('heading', { name: 'SpamAssassin' }).waitFor({ timeout: 60_000 });
    await detail.getByTestId('label-balance').getByText('spam').waitFor();
    await screenshot(page, '41-path-dataset');

    // 3. A bottleneck adapter on a fixture model; its loss chart gains points while it trains.
    const bottleneck = await startRun(page, 'bottleneck');
    await expect.poll(() => points(page, 'chart-loss'), { timeout: 120_000 }).toBeGreaterThan(2);
    const early = await points(page, 'chart-loss');
    await screenshot(page, '42-path-bottleneck-training');
    await page.getByTestId('run-status').getByText('completed').waitFor({ timeout: 300_000 });
    await expect.poll(() => points(page, 'chart-loss')).toBeGreaterThan(early);

    // 4. A LoRA adapter on the same data.
    const lora = await startRun(page, 'lora');
    await page.getByTestId('run-status').getByText('completed').waitFor({ timeout: 300_000 });
    await screenshot(page, '43-path-lora-completed');

    // 5. Compare: the two latest finished runs are chosen.
    await nav.getByRole('link', { name: 'Compare' }).click();
    for (const id of [bottleneck, lora])
      await expect.poll(() => page.getByTestId(`pick-${id}`).isChecked()).toBe(true);
    await expect.poll(() => points(page, 'overlay-train-loss'), { timeout: 10_000 }).toBeGreaterThan(80);
    await expect.poll(() => page.getByTestId('metrics-table').locator('tbody tr').count()).toBe(2);
    await page.getByTestId('config-diff').locator('[data-key="method.type"]').waitFor();
    await expect.poll(() => points(page, 'scatter')).toBe(2);
    await screenshot(page, '44-path-compare');

    // 6. The playground: the base and both adapters on one text, with the swap times.
    await nav.getByRole('link', { name: 'Adapters' }).click();
    for (const id of [bottleneck, lora])
      await expect.poll(() => page.getByTestId(`try-${id}`).isChecked(), { timeout: 10_000 }).toBe(true);
    await page.getByTestId('playground-text').fill('Click here to claim your FREE prize now!!!');
    await page.getByTestId('playground-predict').click();
    for (const id of [bottleneck, lora]) {
      const column = page.getByTestId(`prediction-${id}`);
      await column.getByTestId('swap-time').waitFor({ timeout: 120_000 });
      expect(await column.locator('li').count()).toBe(2); // ham and spam, with probabilities
    }
    await page.getByTestId('prediction-base').waitFor();
    await screenshot(page, '45-path-playground');

    // 7. The Models page: the bundled default model and the fixture the runs used.
    await nav.getByRole('link', { name: 'Models' }).click();
    await page.getByTestId('model-default').getByText('bert').first().waitFor();
    await expect.poll(() => page.getByTestId('model-card').count()).toBe(1);
    await screenshot(page, '46-path-models');

    expect(errors).toEqual([]);
  });
});
