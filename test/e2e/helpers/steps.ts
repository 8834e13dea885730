/**
 * The UI steps many e2e walks begin with, done as a user does them: open the studio, create a project, add the
 * SpamAssassin sample, start a run on the New run page and wait for it to finish.
 */
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { StudioSession } from './session.ts';

/** The sidebar every page shares. */
export const mainNav = (page: Page): Locator => page.getByRole('navigation', { name: 'Main' });

/**
 * A fresh page on the session's studio in the light theme (screenshots stay comparable). `errors` collects what
 * the page throws: a test expects it empty at its end.
 */
export async function openStudioPage(session: StudioSession): Promise<{ page: Page; errors: string[] }> {
  const page = await session.browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(session.studio.url);
  await page.evaluate(() => localStorage.setItem('studio-theme', 'light'));
  await page.reload();
  return { page, errors };
}

/** Creates a project on the Projects page and returns its folder as the page shows it. */
export async function createProject(page: Page, name: string): Promise<string> {
  await mainNav(page).getByRole('link', { name: 'Projects', exact: true }).click();
  await page.getByTestId('project-name').fill(name);
  await page.getByTestId('create-project').click();
  const current = page.getByTestId('current-project');
  await current.getByRole('heading', { name }).waitFor();
  const dir = (await current.locator('.muted').textContent())?.trim() ?? '';
  expect(dir).not.toBe('');
  return dir;
}

/** Adds the built-in SpamAssassin sample on the Datasets page; resolves once its detail shows the labels. */
export async function addSpamSample(page: Page): Promise<void> {
  await mainNav(page).getByRole('link', { name: 'Datasets' }).click();
  await page.getByTestId('add-sample-spam-assassin').click();
  const detail = page.getByTestId('dataset-detail');
  await detail.getByRole('heading', { name: 'SpamAssassin' }).waitFor({ timeout: 60_000 });
  await detail.getByTestId('label-balance').getByText('spam').waitFor();
}

/**
 * Fills the New run form for the SpamAssassin sample (added before) on a model folder (its architecture shown
 * once read), short and small, and starts it; returns the run id from the run page's URL.
 */
export async function startSampleRun(
  page: Page,
  opts: { model: string; architecture: string; method: 'bottleneck' | 'lora'; maxSteps: number },
): Promise<number> {
  await mainNav(page).getByRole('link', { name: 'New run' }).click();
  await page.getByTestId('model-path').fill(opts.model);
  await page.getByTestId('model-path').press('Tab');
  // Reading the model's config waits behind a finishing run's work on a loaded 2-core CI machine (60 s, as the
  // other New run waits).
  await page.getByTestId('model-info').getByText(opts.architecture).waitFor({ timeout: 60_000 });
  // The sample added on the Datasets page is listed once, under the built-in samples.
  await page.getByTestId('sample').selectOption('spam-assassin');
  await page.getByTestId('method').selectOption(opts.method);
  await page.getByLabel('Max length (tokens)').fill('32');
  await page.getByLabel('Batch size').fill('16');
  await page.getByLabel('Evaluate every N steps').fill('10');
  await page.getByTestId('max-steps').fill(String(opts.maxSteps));
  await page.getByTestId('start-run').click();
  await page.getByTestId('run-status').waitFor();
  const id = Number(/#\/runs\/(\d+)/.exec(page.url())?.[1]);
  expect(id).toBeGreaterThan(0);
  return id;
}

/** Statuses of a run that has stopped (any other: it is still queued, running or paused). */
const ENDED = /^(completed|failed|cancelled|interrupted|diverged)$/;

/** Waits on the run page until the run has ended, and expects it completed (else fails with its message). */
export async function waitForRunCompleted(page: Page, timeout = 300_000): Promise<void> {
  const status = page.getByTestId('run-status');
  await expect.poll(async () => (await status.textContent())?.trim(), { timeout }).toMatch(ENDED);
  const message = (await page.getByTestId('run-message').count())
    ? await page.getByTestId('run-message').textContent()
    : '';
  expect((await status.textContent())?.trim(), message ?? '').toBe('completed');
}

/** Starts the run the New run form holds and waits on its page until it has completed. */
export async function runToCompletion(page: Page): Promise<void> {
  await page.getByTestId('start-run').click();
  await waitForRunCompleted(page);
}

/** The Adapters page's playground on the base folder `base`, the first adapter listed under it tried. */
export async function tryFirstAdapterOn(page: Page, base: string): Promise<void> {
  await mainNav(page).getByRole('link', { name: 'Adapters' }).click();
  await page.getByRole('radio', { name: `On ${base}` }).check();
  // check() leaves a box that is already ticked as it is.
  await page.getByRole('checkbox', { name: /^Try / }).first().check();
}
