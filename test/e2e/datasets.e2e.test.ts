import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// The method schemas register themselves on import; the train config's method union is built from them.
import '../../src-main/adapters/schemas.ts';
import { trainConfigSchema } from '../../src-shared/train-config.ts';
import { loadDataset } from '../../src-main/data/index.ts';
import { screenshot } from './helpers/browser.ts';
import { useStudioSession } from './helpers/session.ts';

const session = useStudioSession('studio-e2e-datasets-');

// The guessed mapping reads the first column ("subject") as the text; line 5 has no subject.
const TICKETS = [
  'subject,message,category',
  'Invoice,Please find the invoice for March attached,billing',
  'Refund,I would like my money back for order 1182,billing',
  'Crash,The app crashes when I open the settings page,bug',
  ',Nothing happens when I press save on the profile form,bug',
  'Login,I cannot log in since the update yesterday evening,bug',
  'Charge,You charged my card twice this month,billing',
  'Export,Exporting a report to PDF shows an empty page,bug',
  'Receipt,Where can I download last year receipts,billing',
].join('\n');

describe('datasets page (web mode)', () => {
  it('adds a sample in one click, imports a CSV, shows the bad row, fixes the mapping and sees stats', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(session.studio.url);
    await page.evaluate(() => localStorage.setItem('studio-theme', 'light'));
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Datasets' }).click();
    await page.getByTestId('no-project').waitFor();

    await nav.getByRole('link', { name: 'Projects' }).click();
    await page.getByTestId('project-name').fill('Support tickets');
    await page.getByTestId('create-project').click();
    await page.getByTestId('current-project').waitFor();
    await nav.getByRole('link', { name: 'Datasets' }).click();
    await page.getByTestId('no-datasets').waitFor();
    await screenshot(page, '20-datasets-empty');

    // One click: the SpamAssassin sample becomes a dataset record with its stats.
    await page.getByTestId('add-sample-spam-assassin').click();
    const detail = page.getByTestId('dataset-detail');
    await detail.getByRole('heading', { name: 'SpamAssassin' }).waitFor({ timeout: 60_000 });
    await expect
      .poll(() => detail.getByTestId('stat-rows').textContent())
      .toBe((6046).toLocaleString('en-US'));
    await detail.getByTestId('label-balance').getByText('spam').waitFor();
    await detail.getByTestId('length-histogram').waitFor();
    await page.getByTestId('add-sample-spam-assassin').getByText('SpamAssassin added').waitFor();

    // Import through the file input (what the picker button and the drop zone feed).
    await page.getByTestId('dataset-file').setInputFiles({
      name: 'tickets.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(TICKETS),
    });
    const draft = page.getByTestId('draft');
    await draft.waitFor();
    const problem = draft.getByTestId('dataset-error');
    await expect.poll(() => problem.textContent()).toContain('tickets.csv, line 5');
    expect(await problem.textContent()).toContain('empty text in column "subject"');
    await expect.poll(() => draft.getByTestId('bad-row').textContent()).toContain('Nothing happens');
    expect(await draft.getByTestId('save-dataset').isDisabled()).toBe(true);
    await screenshot(page, '21-datasets-error-at-row');

    // The message column is the text: the error goes, the stats of the whole file come.
    await draft.getByTestId('map-text').selectOption('message');
    await problem.waitFor({ state: 'detached' });
    const stats = draft.getByTestId('dataset-stats');
    await expect.poll(() => stats.getByTestId('stat-rows').textContent()).toBe('8');
    await stats.getByTestId('label-balance').getByText('billing').waitFor();
    await stats.getByTestId('length-histogram').getByText('whitespace-separated words').waitFor();
    expect(await draft.getByTestId('bad-row').count()).toBe(0);
    await screenshot(page, '22-datasets-mapping-fixed');

    await draft.getByTestId('save-dataset').click();
    await draft.waitFor({ state: 'detached' });
    await detail.getByRole('heading', { name: 'tickets.csv' }).waitFor();
    await expect.poll(() => page.getByTestId('dataset-list').locator('tbody tr').count()).toBe(2);
    await screenshot(page, '23-datasets-list');
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await screenshot(page, '24-datasets-dark');
    await page.getByRole('button', { name: 'Light theme' }).click();

    // The drop zone is keyboard reachable (Enter opens the picker) and takes a dropped file.
    const zone = page.getByTestId('drop-zone');
    await zone.focus();
    // Headless Chromium does not always raise a file chooser: watch the hidden input being clicked instead.
    await page.evaluate(() => {
      const input = document.querySelector<HTMLInputElement>('[data-testid="dataset-file"]');
      input?.addEventListener('click', (e) => {
        e.preventDefault();
        document.body.dataset.picked = input.multiple ? 'multiple' : 'single';
      });
    });
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.body.dataset.picked)).toBe('single');
    const dropped = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['{"text":"hi there","label":"a"}\n{"text":"bye","label":"b"}\n'], 'more.jsonl'));
      return dt;
    });
    await zone.dispatchEvent('drop', { dataTransfer: dropped });
    await draft.getByRole('heading', { name: 'Importing more.jsonl' }).waitFor();
    await draft.getByRole('button', { name: 'Discard' }).click();
    await draft.waitFor({ state: 'detached' });

    // The New run page offers it, and "show as CLI config" names the stored copy and the columns.
    await nav.getByRole('link', { name: 'New run' }).click();
    const option = page.getByTestId('sample').locator('option', { hasText: 'tickets.csv' });
    await option.waitFor({ state: 'attached' });
    await page.getByTestId('sample').selectOption((await option.getAttribute('value')) ?? '');
    await page.getByRole('button', { name: 'Show as CLI config' }).click();
    const text = (await page.getByTestId('cli-config').textContent()) ?? '{}';
    const config = trainConfigSchema.parse({ ...JSON.parse(text), model: 'default' });
    const projectDir = path.join(session.dir, 'home', 'projects', 'support-tickets');
    expect(config.dataset).toMatchObject({ text: 'message', label: 'category' });
    const dsPath = (config.dataset as { path: string }).path;
    expect(path.dirname(dsPath)).toBe(path.join(projectDir, 'datasets'));
    expect(fs.readFileSync(dsPath, 'utf8')).toBe(TICKETS);
    // What `studio train` reads from that block: every row valid, the same labels.
    expect(loadDataset(config.dataset).labels).toEqual(['billing', 'bug']);
    expect(errors).toEqual([]);
  });
});
