/**
 * Issue #21: one diverged run (loss 1e11) flattened every other loss curve; loss charts now clip outliers (on by
 * default) and offer a log scale, on the run page and on Compare. And the runs list sorts by its headline metric.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { logMetrics } from '../../src-main/db/tables/metrics.ts';
import { screenshot } from './helpers/browser.ts';
import { openProjectDb, SEED_RUNS, seedRun } from './helpers/seed-runs.ts';
import type { SeedRunSpec } from './helpers/seed-runs.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-loss-scale-');

const DIVERGED: SeedRunSpec = {
  ...SEED_RUNS.lora,
  name: 'lora-lr50',
  status: 'diverged',
  steps: 150,
  lr: 50,
  finalAccuracy: 0.5,
  seed: 9,
};

const yMax = async (page: Page, testid: string) =>
  Number(await page.getByTestId(testid).getAttribute('data-ymax'));
const yMin = async (page: Page, testid: string) =>
  Number(await page.getByTestId(testid).getAttribute('data-ymin'));
const rowOrder = async (page: Page) =>
  page
    .getByTestId('run-list')
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid')));

describe('loss charts with a diverged run, and sorting by the headline metric', () => {
  it('clips the outlier, offers a log scale, and sorts the runs list by final accuracy', async () => {
    const { page, errors } = await openStudioPage(session);
    const dir = await createProject(page, 'Diverged');
    const db = openProjectDb(dir);
    const t0 = Date.now() - 3_600_000;
    const ia3 = seedRun(db, dir, SEED_RUNS.ia3, new Date(t0));
    const bottleneck = seedRun(db, dir, SEED_RUNS.bottleneck, new Date(t0 + 60_000));
    const lora = seedRun(db, dir, SEED_RUNS.lora, new Date(t0 + 120_000));
    const diverged = seedRun(db, dir, DIVERGED, new Date(t0 + 180_000));
    // After step 150 its loss explodes, as with a learning rate of 50.
    logMetrics(
      db,
      diverged,
      Array.from({ length: 30 }, (_, i) => ({
        split: 'train',
        name: 'loss',
        step: 151 + i,
        value: 1e11 * (1 + i),
      })),
    );
    db.close();

    // Runs list: click "Final" to sort by the final headline metric, best first, then again for worst first.
    await mainNav(page).getByRole('link', { name: 'Runs', exact: true }).click();
    await expect.poll(() => page.getByTestId('run-list').locator('tbody tr').count()).toBe(4);
    await page.getByTestId(`final-${diverged}`).getByText('accuracy').waitFor();
    const final = page.getByTestId('run-list').getByRole('button', { name: 'Final' });
    await final.click();
    await expect
      .poll(() => rowOrder(page))
      .toEqual([bottleneck, lora, ia3, diverged].map((id) => `run-row-${id}`));
    expect(await page.getByTestId('run-list').locator('th[aria-sort="descending"]').textContent()).toContain(
      'Final',
    );
    await final.click();
    await expect
      .poll(() => rowOrder(page))
      .toEqual([diverged, ia3, lora, bottleneck].map((id) => `run-row-${id}`));
    await screenshot(page, '18-runs-sorted-by-final');

    // The diverged run's page: the axis stops at 3x its starting loss, and says what it left out.
    await page.getByRole('link', { name: 'lora-lr50' }).click();
    await page.getByTestId('chart-loss-clipped').getByText('30 points above').waitFor({ timeout: 10_000 });
    expect(await yMax(page, 'chart-loss')).toBeLessThan(10);
    // Log scale: every point fits, in whole decades.
    await page.getByTestId('chart-loss-log').check();
    await page.getByTestId('chart-loss-clip').uncheck();
    await expect.poll(() => yMax(page, 'chart-loss')).toBeGreaterThanOrEqual(3e12);
    expect(await yMin(page, 'chart-loss')).toBeLessThanOrEqual(0.1);
    expect(await page.getByTestId('chart-loss-clipped').count()).toBe(0);
    await screenshot(page, '19-run-loss-log-scale');

    // Compare: the other runs' curves keep their shape while the diverged one is clipped.
    await mainNav(page).getByRole('link', { name: 'Compare', exact: true }).click();
    for (const id of [ia3, bottleneck, lora, diverged]) await page.getByTestId(`pick-${id}`).check();
    const chart = 'overlay-train-loss';
    await page.getByTestId(`${chart}-clipped`).waitFor({ timeout: 10_000 });
    expect(await yMax(page, chart)).toBeLessThan(10);
    await page.getByTestId(`${chart}-clip`).uncheck();
    await expect.poll(() => yMax(page, chart)).toBeGreaterThan(1e12);
    await page.getByTestId(`${chart}-log`).check();
    await expect.poll(() => yMin(page, chart)).toBeLessThanOrEqual(0.1);
    // Log and clipped: the axis ends at the decade above the ceiling, not at 1e12.
    await page.getByTestId(`${chart}-clip`).check();
    await expect.poll(() => yMax(page, chart)).toBeLessThanOrEqual(10);
    await screenshot(page, '19b-compare-loss-clipped');
    expect(errors).toEqual([]);
  });
});
