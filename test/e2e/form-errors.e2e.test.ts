/**
 * Issue #21: a form's error names the field in words and sits beside it; no raw schema path or zod message
 * ("runs:preview: config.dataset.path: Too small: ...") reaches the page, and a refusal logs no console error.
 */
import { describe, expect, it } from 'vitest';
import { screenshot } from './helpers/browser.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-form-errors-');
const RAW = /Too small|Too big|Invalid input|expected |config\.|runs:|[<>]=/;

describe('form errors in words, beside their field', () => {
  it('New run: an empty dataset file and a bad rank are named and shown at their fields', async () => {
    const { page, errors } = await openStudioPage(session);
    // A refusal is an ordinary answer (200 with `{ error }`): a 400 would log "Failed to load resource".
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await createProject(page, 'Form errors');
    await mainNav(page).getByRole('link', { name: 'New run' }).click();
    await page.getByTestId('model-info').getByText('bert').waitFor({ timeout: 60_000 });

    // The dataset left empty: Start is refused, and the message sits in the dataset file's field.
    await page.getByLabel('A file (CSV').check();
    await page.getByTestId('start-run').click();
    const datasetError = page
      .locator('label', { has: page.getByTestId('dataset-path') })
      .getByTestId('field-error');
    await datasetError.waitFor({ timeout: 30_000 });
    expect(await datasetError.textContent()).toBe('Dataset file is required');
    // Shown once, at the field: not again below the form, and the preview only points to it.
    expect(await page.getByTestId('run-error').count()).toBe(0);
    await page.getByTestId('preview-blocked').waitFor();
    await screenshot(page, '17-new-run-field-error');

    // A bad method option: the preview's refusal sits beside that option, in the option's own words.
    await page.getByLabel('A project dataset or built-in sample').check();
    await datasetError.waitFor({ state: 'detached' });
    await page.getByTestId('method').selectOption('lora');
    await page.getByLabel('Rank r').fill('0');
    const rankError = page.locator('label[data-field="r"]').getByTestId('field-error');
    await rankError.waitFor({ timeout: 30_000 });
    expect(await rankError.textContent()).toBe('Rank r must be greater than 0');

    // A training field emptied: named as the form names it.
    await page.getByLabel('Rank r').fill('4');
    await rankError.waitFor({ state: 'detached', timeout: 30_000 });
    await page.getByLabel('Learning rate').fill('');
    const lrError = page.locator('label', { hasText: 'Learning rate' }).getByTestId('field-error');
    await lrError.waitFor({ timeout: 30_000 });
    expect(await lrError.textContent()).toBe('Learning rate is required');

    const shown = await page.locator('main').textContent();
    expect(shown).not.toMatch(RAW);

    // Continual: a task name of spaces passes the browser's `required` but not the schema; its row says so.
    await mainNav(page).getByRole('link', { name: 'Continual' }).click();
    await page.getByTestId('continual-new').click();
    await page.getByTestId('continual-model').fill('default');
    for (const i of [1, 2]) {
      await page.getByLabel(`Task ${i} dataset source`).selectOption('sample');
      await page.getByLabel(`Task ${i} sample`).selectOption('first-names');
    }
    await page.getByLabel('Task 1 name').fill('   ');
    await page.getByTestId('continual-start').click();
    const taskError = page.locator('[data-field="config.tasks.0.name"]');
    await taskError.waitFor({ timeout: 30_000 });
    expect(await taskError.textContent()).toBe('Task 1 name is required');
    expect(await page.getByTestId('continual-error').count()).toBe(0);
    expect(await page.locator('main').textContent()).not.toMatch(RAW);
    expect(errors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
