/**
 * Managing runs on the Runs pages as a user clicks through them (web mode, Chromium): rename, notes and tags,
 * the tag filter, and Delete with its confirmation. Runs are seeded into the project's database.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { screenshot } from './helpers/browser.ts';
import { openProjectDb, SEED_RUNS, seedRun } from './helpers/seed-runs.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-manage-');

describe('run rename, tags and delete (web mode)', () => {
  it('renames and tags a run on its page, filters the list by tag, and deletes a run after confirming', async () => {
    const { page, errors } = await openStudioPage(session);
    const projectDir = await createProject(page, 'Manage');
    const db = openProjectDb(projectDir);
    const t0 = Date.now() - 3_600_000;
    const lora = seedRun(db, projectDir, SEED_RUNS.lora, new Date(t0));
    const bottleneck = seedRun(db, projectDir, SEED_RUNS.bottleneck, new Date(t0 + 600_000));
    db.close();

    await mainNav(page).getByRole('link', { name: 'Runs' }).click();
    await page.getByTestId(`run-row-${lora}`).getByRole('link', { name: SEED_RUNS.lora.name }).click();
    await page.getByText('Name, notes and tags').click();
    await page.getByTestId('run-name-input').fill('LoRA r8 — keep');
    await page.getByTestId('run-tags-input').fill('baseline, spam ,baseline');
    await page.getByTestId('run-notes-input').fill('Beats the majority class by a wide margin.');
    await page.getByTestId('run-save').click();
    await page.getByRole('heading', { name: `#${lora} LoRA r8 — keep` }).waitFor();
    await expect.poll(() => page.getByTestId('run-tag').allTextContents()).toEqual(['baseline', 'spam']);
    await page.getByTestId('run-notes').getByText('Beats the majority class').waitFor();
    // The tags as stored, repeats dropped, back in the field.
    expect(await page.getByTestId('run-tags-input').inputValue()).toBe('baseline, spam');
    await screenshot(page, '80-run-rename-tags');

    await page.getByRole('link', { name: '← all runs' }).click();
    const rows = page.getByTestId('run-list').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByTestId('tag-filter').selectOption('baseline');
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByTestId(`run-row-${lora}`).getByText('LoRA r8 — keep').waitFor();
    await page.getByTestId('tag-filter-count').getByText('1 of 2 runs').waitFor();
    await screenshot(page, '81-runs-tag-filter');
    await page.getByRole('button', { name: 'Show all' }).click();
    await expect.poll(() => rows.count()).toBe(2);

    // Delete asks first; keeping it changes nothing.
    const folder = path.join(projectDir, 'artifacts', `run-${bottleneck}`);
    expect(fs.existsSync(folder)).toBe(true);
    await page.getByTestId(`run-row-${bottleneck}`).getByRole('link').first().click();
    await page.getByText('Name, notes and tags').click();
    await page.getByTestId('run-delete').click();
    const confirm = page.getByTestId('delete-confirm');
    await confirm.getByText(`Delete run #${bottleneck} “${SEED_RUNS.bottleneck.name}”?`).waitFor();
    await screenshot(page, '82-run-delete-confirm');
    await confirm.getByRole('button', { name: 'Keep it' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect(fs.existsSync(folder)).toBe(true);
    await page.getByTestId('run-delete').click();
    await confirm.getByRole('button', { name: 'Delete it' }).click();
    // Back on the list, without the run; its folder is gone.
    await page.getByTestId(`run-row-${lora}`).waitFor();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await page.getByTestId(`run-row-${bottleneck}`).count()).toBe(0);
    expect(fs.existsSync(folder)).toBe(false);
    await screenshot(page, '83-run-deleted');
    expect(errors).toEqual([]);
  });
});
