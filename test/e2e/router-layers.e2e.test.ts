/**
 * The per-layer router (X-LoRA style) in Chromium (web mode): New run's router picker offers the `layers` mode with
 * its help and top-k, a short run trains from there on the adapters' tasks' own labels, its run page scores the
 * mixed-task held-out file with a confusion matrix over the union of the adapters' labels, and the playground shows
 * per input the gate's weight for each adapter at each layer.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { useTestBackend } from '../helpers/backend.ts';
import { seedTwoTaskLibrary } from '../helpers/compose.ts';
import { screenshot } from './helpers/browser.ts';
import { openProjectDb, TINY_BERT } from './helpers/seed-runs.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-router-layers-');
let db: Database | undefined;
afterAll(() => db?.close());

describe('the per-layer router (web mode)', () => {
  it('starts a layers router from New run; the playground shows its weights per layer and adapter', async () => {
    await useTestBackend();
    const { page, errors } = await openStudioPage(session);
    const projectDir = await createProject(page, 'Layer gates');
    db = openProjectDb(projectDir);
    await seedTwoTaskLibrary(db, projectDir, TINY_BERT);

    await mainNav(page).getByRole('link', { name: 'New run' }).click();
    await page.getByTestId('model-path').fill(TINY_BERT);
    await page.getByTestId('model-path').press('Tab');
    await page.getByTestId('model-info').getByText('bert').waitFor({ timeout: 90_000 });
    await page
      .getByTestId('method')
      .selectOption({ label: 'Router over library adapters (Adapter Selector)' });
    await page.getByTestId('router-picker').waitFor();
    expect(await page.getByTestId('router-picker').textContent()).toContain('Per layer (X-LoRA style)');
    await page.getByRole('checkbox', { name: 'Route to #1 spam or ham' }).check();
    await page.getByRole('checkbox', { name: 'Route to #2 names by gender' }).check();
    const mode = page.locator('label[data-field="mode"]');
    expect(await mode.textContent()).toContain(
      'layers (X-LoRA style): a gate weighs every adapter at every layer',
    );
    await mode.getByRole('combobox').selectOption('layers');
    expect(await page.locator('label[data-field="topK"]').textContent()).toContain(
      'keep only the k largest gates',
    );
    // What the studio records about the adapters is not asked.
    expect(await page.locator('label[data-field="routes"]').count()).toBe(0);
    await page.locator('label[data-field="perTask"]').getByRole('spinbutton').fill('12');
    await page.getByLabel('Max length (tokens)').fill('12');
    await page.getByTestId('max-steps').fill('4');
    await page.getByRole('button', { name: 'Show as CLI config' }).click();
    await expect
      .poll(async () => JSON.parse((await page.getByTestId('cli-config').textContent()) ?? '{}').method)
      .toMatchObject({ type: 'router', adapters: [1, 2], mode: 'layers', perTask: 12 });
    await screenshot(page, 'router-layers-01-new-run');
    await page.getByTestId('start-run').click();
    await page.getByTestId('run-status').getByText('completed').waitFor({ timeout: 240_000 });

    // The run's held-out file is the mixed-task set, labelled with the tasks' own answers.
    const dataDir = path.join(projectDir, 'router-data');
    const [key] = fs.readdirSync(dataDir);
    const mixed = path.join(dataDir, key as string, 'mixed-eval.jsonl');
    await page.getByTestId('run-evaluate').locator('summary').click();
    await page.getByTestId('evaluate-file').fill(mixed);
    await page.getByTestId('evaluate-button').click();
    const matrix = page.getByTestId('confusion-matrix');
    await matrix.waitFor();
    expect(await matrix.locator('thead th[scope="col"]').allTextContents()).toEqual([
      'female',
      'ham',
      'male',
      'spam',
    ]);
    await screenshot(page, 'router-layers-02-confusion');

    await mainNav(page).getByRole('link', { name: 'Adapters' }).click();
    await page.getByTestId('try-3').waitFor();
    for (const id of [1, 2]) await page.getByTestId(`try-${id}`).uncheck();
    await page.getByTestId('try-3').check();
    await page.getByTestId('playground-text').fill('Maria');
    await page.getByTestId('playground-predict').click();
    const col = page.getByTestId('prediction-3');
    await col.waitFor();
    expect((await col.locator('.label').allTextContents()).sort()).toEqual(['female', 'ham', 'male', 'spam']);
    const table = col.getByTestId('layer-weights');
    await table.waitFor();
    expect(await table.locator('thead th[scope="col"]').allTextContents()).toEqual([
      '',
      '#1 spam or ham',
      '#2 names by gender',
    ]);
    const slots = await table.locator('tbody th[scope="row"]').allTextContents();
    expect(slots[0]).toBe('layer 0');
    expect(slots.at(-1)).toBe('answer');
    // Every row is a softmax over the adapters: its shown percentages sum to 100 (within rounding).
    for (const row of await table.locator('tbody tr').all()) {
      const cells = (await row.locator('td').allTextContents()).map((t) => Number.parseFloat(t));
      expect(cells).toHaveLength(2);
      expect(Math.abs(cells.reduce((a, b) => a + b, 0) - 100)).toBeLessThanOrEqual(1);
    }
    await screenshot(page, 'router-layers-03-playground');
    expect(errors).toEqual([]);
  });
});
