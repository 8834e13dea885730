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
import {
  addSpamSample,
  createProject,
  mainNav,
  openStudioPage,
  startSampleRun,
  waitForRunCompleted,
} from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-path-');

const MODEL = path.join(HF_TINY_DIR, 'bert-seqcls/base');
const points = async (page: Page, testid: string) =>
  Number(await page.getByTestId(testid).getAttribute('data-points'));

/** A short run on the imported sample and the fixture model; returns the run id. */
const startRun = (page: Page, method: 'bottleneck' | 'lora') =>
  startSampleRun(page, { model: MODEL, architecture: 'bert', method, maxSteps: 40 });

describe("a new user's path through the studio", () => {
  it('imports a sample, trains bottleneck and LoRA adapters, compares them and tries both in the playground', async () => {
    const { page, errors } = await openStudioPage(session);
    const nav = mainNav(page);

    // 1. A project.
    await createProject(page, 'Spam filter');
    await screenshot(page, '40-path-project');

    // 2. The SpamAssassin sample, one click.
    await addSpamSample(page);
    await screenshot(page, '41-path-dataset');

    // 3. A bottleneck adapter on a fixture model; its loss chart gains points while it trains.
    const bottleneck = await startRun(page, 'bottleneck');
    await expect.poll(() => points(page, 'chart-loss'), { timeout: 120_000 }).toBeGreaterThan(2);
    const early = await points(page, 'chart-loss');
    await screenshot(page, '42-path-bottleneck-training');
    await waitForRunCompleted(page);
    await expect.poll(() => points(page, 'chart-loss')).toBeGreaterThan(early);

    // 4. A LoRA adapter on the same data.
    const lora = await startRun(page, 'lora');
    await waitForRunCompleted(page);
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
