import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateRunStatus } from '../../src-main/db/tables/runs.ts';
import { tempDir } from '../helpers/temp.ts';
import { launchBrowser, screenshot } from './helpers/browser.ts';
import { appendSteps, openProjectDb, SEED_RUNS, seedRun } from './helpers/seed-runs.ts';
import { startStudio } from './helpers/studio-server.ts';
import type { StudioProcess } from './helpers/studio-server.ts';

const home = tempDir('studio-e2e-runs-');
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let studio: StudioProcess;
let db: Database | undefined;

beforeAll(async () => {
  browser = await launchBrowser();
  studio = await startStudio({ STUDIO_HOME: path.join(home.dir, 'home') });
});
afterAll(async () => {
  db?.close();
  await studio?.stop();
  await browser?.close();
  home.cleanup();
});

const points = async (page: Page, testid: string) =>
  Number(await page.getByTestId(testid).getAttribute('data-points'));

describe('Runs and Compare pages (web mode, seeded runs)', () => {
  it('lists runs, follows a live run, and compares curves, metrics, configs and efficiency', async () => {
    const page = await browser.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(studio.url);
    await page.evaluate(() => localStorage.setItem('studio-theme', 'light'));
    await page.reload();

    // Without a project, both pages say what to do next.
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByTestId('no-project').getByRole('link', { name: 'Projects' }).waitFor();
    await page.getByRole('link', { name: 'Compare', exact: true }).click();
    await page.getByTestId('no-project').waitFor();

    await page.getByRole('link', { name: 'Projects', exact: true }).first().click();
    await page.getByTestId('project-name').fill('Adapters vs LoRA');
    await page.getByTestId('create-project').click();
    const projectDir =
      (await page.getByTestId('current-project').locator('.muted').textContent())?.trim() ?? '';
    expect(projectDir).not.toBe('');
    db = openProjectDb(projectDir);
    const t0 = Date.now() - 3_600_000;
    const bottleneck = seedRun(db, projectDir, SEED_RUNS.bottleneck, new Date(t0));
    const lora = seedRun(db, projectDir, SEED_RUNS.lora, new Date(t0 + 900_000));

    // Runs: both seeded runs, with status and trainable share.
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByTestId('run-list').waitFor();
    await expect.poll(() => page.getByTestId('run-list').locator('tbody tr').count()).toBe(2);
    await expect.poll(() => page.getByTestId(`status-${bottleneck}`).textContent()).toBe('completed');
    await page.getByTestId(`run-row-${lora}`).getByText('0.27%').waitFor();

    // A finished run: charts with every recorded point, config as JSON, not followed.
    await page.getByRole('link', { name: 'bottleneck-rf16' }).click();
    await expect.poll(() => points(page, 'chart-loss'), { timeout: 10_000 }).toBe(300 + 12);
    expect(await points(page, 'chart-metrics')).toBe(24);
    expect(await points(page, 'chart-lr')).toBe(300);
    await expect.poll(() => page.getByTestId('run-facts').getAttribute('data-following')).toBe('false');
    expect(
      JSON.parse((await page.getByTestId('run-config').textContent()) ?? '{}').method.reductionFactor,
    ).toBe(16);
    await screenshot(page, '11-run-detail');

    // A running run (written by a trainer this window knows nothing about) appears in the list.
    const live = seedRun(db, projectDir, SEED_RUNS.running, new Date(t0 + 1_800_000));
    await page.getByRole('link', { name: '← all runs' }).click();
    await expect.poll(() => page.getByTestId('run-list').locator('tbody tr').count()).toBe(3);
    await expect.poll(() => page.getByTestId(`status-${live}`).textContent()).toBe('running');
    await screenshot(page, '10-runs');

    // Its page follows it while it trains (events from the watched database): the charts gain the points appended meanwhile.
    await page.getByRole('link', { name: 'lora-r16-live' }).click();
    await expect.poll(() => points(page, 'chart-loss'), { timeout: 10_000 }).toBe(40 + 1);
    await expect.poll(() => page.getByTestId('run-facts').getAttribute('data-following')).toBe('true');
    let step = SEED_RUNS.running.steps;
    for (let i = 0; i < 4; i++) {
      step = appendSteps(db, live, SEED_RUNS.running, step + 1, 10);
      await page.waitForTimeout(400);
    }
    expect(step).toBe(80);
    // 80 train losses + validation losses at 25, 50, 75.
    await expect.poll(() => points(page, 'chart-loss'), { timeout: 10_000 }).toBe(80 + 3);
    await expect.poll(() => points(page, 'chart-metrics')).toBe(6);
    await page.getByText('80 / 300 steps').waitFor();

    // Cancel is refused (no trainer of this window runs it): the error shows by the buttons.
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page
      .getByTestId('action-error')
      .getByText(/Could not cancel run/)
      .waitFor();

    // Once it finishes, it is no longer followed.
    updateRunStatus(db, live, { status: 'completed', finishedAt: new Date().toISOString() });
    await expect
      .poll(() => page.getByTestId('run-status').textContent(), { timeout: 10_000 })
      .toBe('completed');
    await expect.poll(() => page.getByTestId('run-facts').getAttribute('data-following')).toBe('false');

    // Compare: the latest finished runs are chosen; add the bottleneck adapter.
    const ia3 = seedRun(db, projectDir, SEED_RUNS.ia3, new Date(t0 + 2_400_000));
    await page.getByRole('link', { name: 'Compare', exact: true }).click();
    await page.getByTestId('run-picker').waitFor();
    for (const id of [ia3, live, lora])
      await expect.poll(() => page.getByTestId(`pick-${id}`).isChecked()).toBe(true);
    expect(await page.getByTestId(`pick-${bottleneck}`).isChecked()).toBe(false);
    await page.getByTestId(`pick-${bottleneck}`).check();

    // Overlays: raw and smoothed curves of four runs.
    await expect
      .poll(() => points(page, 'overlay-train-loss'), { timeout: 10_000 })
      .toBe(2 * (300 + 300 + 80 + 300));
    await expect.poll(() => points(page, 'overlay-validation-accuracy')).toBe(2 * (12 + 12 + 3 + 12));
    await page.getByTestId('smoothing').fill('0.9');
    await expect.poll(() => page.locator('output').first().textContent()).toBe('0.90');
    await page.getByTestId('smoothing').fill('0');
    await expect.poll(() => points(page, 'overlay-train-loss')).toBe(300 + 300 + 80 + 300);
    await page.getByTestId('smoothing').fill('0.8');

    // Metrics table: one row per run, with final metrics, parameter counts and adapter sizes.
    const table = page.getByTestId('metrics-table');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(4);
    await table.getByText('3.4 MiB').waitFor();
    await table.getByText('264 KiB').waitFor();
    await table.getByText('val accuracy').waitFor();

    // Config diff: differences only by default, then everything.
    const diff = page.getByTestId('config-diff');
    await diff.locator('[data-key="method.type"]').waitFor();
    expect(await diff.locator('[data-key="train.batchSize"]').count()).toBe(0);
    expect(await diff.locator('[data-key="method.r"]').count()).toBe(1);
    await page.getByTestId('diff-only').uncheck();
    await diff.locator('[data-key="train.batchSize"]').waitFor();
    await page.getByTestId('diff-only').check();

    // Efficiency scatter: every chosen run has a trainable share and a final accuracy.
    await expect.poll(() => points(page, 'scatter')).toBe(4);
    await page.getByTestId('scatter-metric').selectOption('macroF1');
    await page.getByTestId('scatter').getByText('validation macroF1 vs trainable parameters').waitFor();
    await page.getByTestId('scatter-metric').selectOption('accuracy');
    await screenshot(page, '12-compare');

    // Dark theme: charts redraw with the theme's colors.
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.waitForTimeout(300);
    await screenshot(page, '13-compare-dark');
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByRole('link', { name: 'lora-r8' }).click();
    await expect.poll(() => points(page, 'chart-loss')).toBe(312);
    await screenshot(page, '14-run-detail-dark');
    await page.getByRole('button', { name: 'Light theme' }).click();

    expect(errors).toEqual([]);
  });
});
