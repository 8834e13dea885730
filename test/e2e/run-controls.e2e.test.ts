/**
 * The run page's controls as a user clicks them while a run trains (web mode, Chromium): Cancel and Pause stop
 * within a step of the one shown, Resume ends as an uninterrupted run, the log shows the run's last lines
 * without reopening the page, a reload stays in the project, and no page logs a console error.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { metricsForRun } from '../../src-main/db/tables/metrics.ts';
import { PAGES } from '../../src-renderer/lib/router.svelte.ts';
import { HF_TINY_DIR } from '../helpers/fixtures.ts';
import { screenshot } from './helpers/browser.ts';
import { openProjectDb } from './helpers/seed-runs.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-controls-');

/** Steps of every run here: batches of 128 names make each step long enough to click during it. */
const TOTAL = 16;
/** Runs train on a shared, busy machine: a test that trains waits this long. */
const TRAINING_TEST_MS = 480_000;

/** Console errors and failed requests of a page (a missing favicon is one). */
function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
  });
  // A request cut short because the test loads another page is no error; any other failure is.
  page.on('requestfailed', (r) => {
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`failed: ${r.url()}`);
  });
  return problems;
}

/** Starts a LoRA run on the first-names sample from the New run page; returns its id. */
async function startRun(page: Page): Promise<number> {
  await mainNav(page).getByRole('link', { name: 'New run' }).click();
  await page.getByTestId('model-path').fill(path.join(HF_TINY_DIR, 'bert-seqcls/base'));
  await page.getByTestId('model-path').press('Tab');
  await page.getByTestId('model-info').getByText('bert').waitFor();
  await page.getByTestId('sample').selectOption('first-names');
  await page.getByTestId('method').selectOption('lora');
  await page.getByLabel('Max length (tokens)').fill('12');
  await page.getByLabel('Batch size').fill('128');
  await page.getByLabel('Evaluate every N steps').fill('8');
  await page.getByTestId('max-steps').fill(String(TOTAL));
  await page.getByTestId('start-run').click();
  await page.getByTestId('run-status').waitFor();
  const id = Number(/#\/runs\/(\d+)/.exec(page.url())?.[1]);
  expect(id).toBeGreaterThan(0);
  return id;
}

const statusOf = async (page: Page) => (await page.getByTestId('run-status').textContent())?.trim();
const shownStep = async (page: Page) => Number(await page.getByTestId('run-step').textContent());

/** Waits until the run page shows at least `step` steps done, then returns the step shown. */
async function waitForStep(page: Page, step: number): Promise<number> {
  await expect.poll(() => shownStep(page), { timeout: 180_000 }).toBeGreaterThanOrEqual(step);
  return shownStep(page);
}

async function waitForStatus(page: Page, status: string): Promise<void> {
  await expect.poll(() => statusOf(page), { timeout: 240_000 }).toBe(status);
}

/** The log as the page shows it, without timestamps and levels. */
async function logLines(page: Page): Promise<string[]> {
  const text = (await page.getByTestId('run-log').textContent()) ?? '';
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/^\S+ \S+\s+/, ''));
}

let projectDir = '';

/** Loads the studio in the project through its URL (how a bookmark or a reload opens it). */
async function openInProject(page: Page, hash: string): Promise<void> {
  const origin = new URL(page.url()).origin;
  await page.goto(`${origin}/?project=${encodeURIComponent(projectDir)}${hash}`);
  await page.getByRole('heading', { name: 'Runs', exact: true }).waitFor();
  await page.getByTestId('no-project').or(page.getByTestId('opening-project')).waitFor({ state: 'detached' });
}
const runs: Record<'cancelled' | 'paused' | 'uninterrupted', number> = {
  cancelled: 0,
  paused: 0,
  uninterrupted: 0,
};

describe('run controls on the run page (web mode)', () => {
  it(
    'Cancel stops within a step of the one shown, keeps a checkpoint, and the log ends without reopening',
    async () => {
      const { page, errors } = await openStudioPage(session);
      const problems = watchConsole(page);
      projectDir = await createProject(page, 'Controls');
      runs.cancelled = await startRun(page);

      const clickedAt = await waitForStep(page, 3);
      await page.getByRole('button', { name: 'Cancel', exact: true }).click();
      await waitForStatus(page, 'cancelled');
      const stoppedAt = await shownStep(page);
      expect(stoppedAt).toBeGreaterThanOrEqual(clickedAt);
      expect(stoppedAt).toBeLessThanOrEqual(clickedAt + 1);
      expect(stoppedAt).toBeLessThan(TOTAL);
      // The last lines came after the run stopped being live; the page shows them as it is.
      await expect.poll(async () => (await logLines(page)).at(-1), { timeout: 5_000 }).toBe('cancelled');
      expect(await logLines(page)).toContain(
        `checkpoint-last saved at step ${stoppedAt} (artifacts/run-${runs.cancelled}/checkpoint-last)`,
      );
      // A cancelled run can be resumed, never paused.
      await page.getByRole('button', { name: 'Resume', exact: true }).waitFor();
      expect(await page.getByRole('button', { name: 'Pause', exact: true }).count()).toBe(0);
      await screenshot(page, '60-run-cancelled');
      expect(errors).toEqual([]);
      expect(problems).toEqual([]);
    },
    TRAINING_TEST_MS,
  );

  it(
    'Resume continues a cancelled run from its checkpoint and keeps its Started time',
    async () => {
      const { page, errors } = await openStudioPage(session);
      const problems = watchConsole(page);
      await openInProject(page, `#/runs/${runs.cancelled}`);
      await page.getByTestId('run-status').waitFor();
      const stoppedAt = await shownStep(page);
      const started = await page.getByTestId('run-started').textContent();
      await page.getByRole('button', { name: 'Resume', exact: true }).click();
      await waitForStatus(page, 'completed');
      expect(await page.getByTestId('run-started').textContent()).toBe(started);
      await expect.poll(async () => (await logLines(page)).at(-1), { timeout: 5_000 }).toBe('completed');
      expect(await logLines(page)).toContain(`resuming from step ${stoppedAt}`);
      expect(errors).toEqual([]);
      expect(problems).toEqual([]);
    },
    TRAINING_TEST_MS,
  );

  it(
    'Pause stops within a step of the one shown; Resume continues and the run completes',
    async () => {
      const { page, errors } = await openStudioPage(session);
      const problems = watchConsole(page);
      await openInProject(page, '#/runs');
      runs.paused = await startRun(page);

      const clickedAt = await waitForStep(page, 3);
      await page.getByRole('button', { name: 'Pause', exact: true }).click();
      await waitForStatus(page, 'paused');
      const pausedAt = await shownStep(page);
      expect(pausedAt).toBeGreaterThanOrEqual(clickedAt);
      expect(pausedAt).toBeLessThanOrEqual(clickedAt + 1);
      await expect
        .poll(async () => (await logLines(page)).at(-1), { timeout: 5_000 })
        .toBe(`paused at step ${pausedAt}`);
      expect(await page.getByRole('button', { name: 'Pause', exact: true }).count()).toBe(0);
      await screenshot(page, '61-run-paused');

      await page.getByRole('button', { name: 'Resume', exact: true }).click();
      await waitForStatus(page, 'completed');
      const lines = await logLines(page);
      expect(lines).toContain(`resumed at step ${pausedAt}`);
      await expect.poll(async () => (await logLines(page)).at(-1), { timeout: 5_000 }).toBe('completed');
      // A finished run is never shown paused and offers no Resume.
      expect(await page.getByRole('button', { name: 'Resume', exact: true }).count()).toBe(0);
      await screenshot(page, '61b-run-resumed');
      expect(errors).toEqual([]);
      expect(problems).toEqual([]);
    },
    TRAINING_TEST_MS,
  );

  it(
    'an uninterrupted run ends with the same losses and weights; its final log lines show without reopening',
    async () => {
      const { page, errors } = await openStudioPage(session);
      const problems = watchConsole(page);
      await openInProject(page, '#/runs');
      runs.uninterrupted = await startRun(page);
      await waitForStatus(page, 'completed');
      await expect.poll(async () => (await logLines(page)).at(-1), { timeout: 10_000 }).toBe('completed');
      const lines = await logLines(page);
      expect(lines.some((l) => l.startsWith(`eval at step ${TOTAL}: loss `))).toBe(true);
      expect(lines.some((l) => l.startsWith(`adapter saved at step ${TOTAL}`))).toBe(true);
      await screenshot(page, '62-run-final-log');

      const db = openProjectDb(projectDir);
      try {
        const losses = (id: number) =>
          metricsForRun(db, id).filter((p) => p.split === 'train' && p.name === 'loss');
        expect(losses(runs.uninterrupted)).toHaveLength(TOTAL);
        expect(losses(runs.paused)).toEqual(losses(runs.uninterrupted));
        expect(losses(runs.cancelled)).toEqual(losses(runs.uninterrupted));
      } finally {
        db.close();
      }
      const adapter = (id: number) =>
        fs.readFileSync(path.join(projectDir, `artifacts/run-${id}/adapter/adapter.safetensors`));
      expect(adapter(runs.paused).equals(adapter(runs.uninterrupted))).toBe(true);
      expect(adapter(runs.cancelled).equals(adapter(runs.uninterrupted))).toBe(true);
      expect(errors).toEqual([]);
      expect(problems).toEqual([]);
    },
    TRAINING_TEST_MS,
  );

  it(
    'a reload stays in the open project and on the same run',
    async () => {
      const { page, errors } = await openStudioPage(session);
      const problems = watchConsole(page);
      await mainNav(page).getByRole('link', { name: 'Projects', exact: true }).click();
      await page.getByRole('button', { name: 'Open Controls', exact: true }).click();
      await page.getByTestId('current-project').getByRole('heading', { name: 'Controls' }).waitFor();
      await page.goto(`${page.url().split('#')[0]}#/runs/${runs.paused}`);
      await page.getByTestId('run-status').waitFor();
      expect(new URL(page.url()).searchParams.get('project')).toBe(projectDir);

      await page.reload();
      await page.getByTestId('run-status').waitFor();
      expect(await statusOf(page)).toBe('completed');
      expect(await page.getByTestId('no-project').count()).toBe(0);
      expect(page.url()).toMatch(new RegExp(`#/runs/${runs.paused}$`));
      await screenshot(page, '63-reload-stays-in-project');
      expect(errors).toEqual([]);
      expect(problems).toEqual([]);
    },
    TRAINING_TEST_MS,
  );

  it('no page logs a console error or requests a missing file (the favicon included)', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems = watchConsole(page);
    const icons: number[] = [];
    page.on('response', (r) => {
      if (/favicon/.test(r.url())) icons.push(r.status());
    });
    // First without a project (a fresh tab), then with one; every page loaded from scratch.
    await page.goto(session.studio.url);
    await page.getByRole('heading', { name: 'Projects', exact: true }).waitFor();
    const origin = new URL(page.url()).origin;
    const load = async (url: string) => {
      await page.goto(url);
      // A change of the hash alone is no page load.
      await page.reload();
      await page.getByRole('heading', { level: 1 }).first().waitFor();
    };
    for (const p of PAGES) await load(`${origin}/#/${p.id}`);
    const withProject = `${origin}/?project=${encodeURIComponent(projectDir)}`;
    for (const target of [...PAGES.map((p) => `#/${p.id}`), `#/runs/${runs.uninterrupted}`]) {
      await load(`${withProject}${target}`);
      await expect.poll(async () => page.getByTestId('opening-project').count()).toBe(0);
      expect(await page.getByTestId('no-project').count()).toBe(0);
    }
    await page.getByTestId('run-status').waitFor();
    expect(icons.length).toBeGreaterThan(0);
    expect(icons.every((s) => s === 200)).toBe(true);
    expect(problems).toEqual([]);
  });
});
