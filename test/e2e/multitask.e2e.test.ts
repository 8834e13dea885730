/**
 * New run's multi-task choice, as a user does it: the first-names sample as the first task, SpamAssassin and the
 * Moby Dick questions ticked as more tasks, shared + task-specific adapters; the run completes and its page shows
 * every task's metrics, one row per task.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HF_TINY_DIR } from '../helpers/fixtures.ts';
import { screenshot } from './helpers/browser.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage, waitForRunCompleted } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-multitask-');

describe('a multi-task run from New run', () => {
  it('trains three tasks in one run and shows each task’s metrics', async () => {
    const { page, errors } = await openStudioPage(session);
    await createProject(page, 'Multi');
    await mainNav(page).getByRole('link', { name: 'New run' }).click();
    await page.getByTestId('model-path').fill(path.join(HF_TINY_DIR, 'bert-seqcls/base'));
    await page.getByTestId('model-path').press('Tab');
    await page.getByTestId('model-info').getByText('bert').waitFor();
    await page.getByTestId('sample').selectOption('first-names');
    await page.getByTestId('method').selectOption('multitask');
    const picker = page.getByTestId('multitask-picker');
    await picker.waitFor();
    // The first task (the dataset above) is not offered again.
    expect(await picker.getByLabel(/Add task English first names/).count()).toBe(0);
    await picker.getByLabel('Add task SpamAssassin').check();
    await picker.getByLabel(/Add task Moby-Dick: question/).check();
    await page.getByTestId('multitask-variant').selectOption('shared-specific');
    await page.getByLabel('Max length (tokens)').fill('16');
    await page.getByLabel('Batch size').fill('8');
    await page.getByLabel('Evaluate every N steps').fill('4');
    await page.getByTestId('max-steps').fill('8');
    await screenshot(page, '70-new-run-multitask');
    await page.getByTestId('start-run').click();
    // Start pre-flights all three datasets (8,000 names, 6,000 e-mails): slow on a loaded machine.
    await page.getByTestId('run-status').waitFor({ timeout: 180_000 });
    await waitForRunCompleted(page);

    // The headline is the tasks' mean, never judged against the first dataset's majority class alone.
    await page.getByTestId('run-headline').getByText('mean over tasks').waitFor();
    expect(await page.getByTestId('headline-baseline').count()).toBe(0);
    const table = page.getByTestId('run-tasks');
    await table.waitFor({ timeout: 30_000 });
    const rows = table.getByTestId('task-row');
    await expect.poll(async () => rows.count()).toBe(3);
    const names = (await rows.locator('td:first-child').allTextContents()).map((t) => t.trim());
    expect(names).toEqual(['first-names', 'spam-assassin', 'moby-questions']);
    for (const text of await rows.allTextContents()) expect(text).toMatch(/\d/);
    await screenshot(page, '71-multitask-run-per-task');
    expect(errors).toEqual([]);
    // Three tasks on a loaded 2-core machine: more than the config's default.
  }, 600_000);
});
