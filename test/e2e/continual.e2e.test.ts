import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HF_TINY_DIR, OWN_FIXTURES_DIR } from '../helpers/fixtures.ts';
import { screenshot } from './helpers/browser.ts';
import { useStudioSession } from './helpers/session.ts';

const session = useStudioSession('studio-e2e-continual-');

describe('the Continual page', () => {
  it('starts a continual LoRA run from the form and shows the retention heatmap with nothing forgotten', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(session.studio.url);
    await page.getByTestId('project-name').fill('Continual');
    await page.getByTestId('create-project').click();
    await page.getByTestId('current-project').waitFor();

    await page.getByRole('link', { name: 'Continual' }).click();
    await page.getByTestId('continual-empty').waitFor();
    await page.getByTestId('continual-new').click();
    await page.getByTestId('continual-model').fill(path.join(HF_TINY_DIR, 'bert-seqcls/base'));
    await page.getByTestId('continual-method').selectOption('lora');
    const csv = (n: string) => path.join(OWN_FIXTURES_DIR, `datasets/continual-${n}.csv`);
    await page.getByLabel('Task 1 name').fill('sentiment');
    await page.getByLabel('Task 1 dataset file').fill(csv('sentiment'));
    await page.getByLabel('Task 2 name').fill('topic');
    await page.getByLabel('Task 2 dataset file').fill(csv('topic'));
    await page.getByLabel('Epochs per task').fill('8');

    // A missing file is refused where it happens, naming the file.
    await page.getByRole('button', { name: 'Add a task' }).click();
    await page.getByLabel('Task 3 dataset file').fill(path.join(session.dir, 'nope.csv'));
    await page.getByTestId('continual-start').click();
    await page.getByTestId('continual-error').getByText('nope.csv').waitFor();
    await page.getByRole('button', { name: 'Remove task 3' }).click();

    await page.getByTestId('continual-start').click();
    const card = page.locator('[data-testid^="continual-run-"]').first();
    await card.getByTestId('continual-status').getByText('completed').waitFor({ timeout: 240_000 });
    await card.getByTestId('cell-1-1').waitFor();
    const learned = await card.getByTestId('cell-0-0').textContent();
    expect(await card.getByTestId('cell-1-0').textContent()).toContain(learned?.trim().split(' ')[0]);
    await card.getByTestId('forgetting').getByText('Nothing forgotten').waitFor();
    await screenshot(page, '30-continual');
    expect(errors).toEqual([]);
  });
});
