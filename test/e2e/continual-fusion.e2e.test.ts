/**
 * "The Continual page can add a fusion over the tasks' adapters" (issue #15), in Chromium (web mode): a bottleneck
 * sequence trained from the Continual page's form, then "Fuse and train" on one of its tasks; the fusion run
 * completes, its accuracy shows under the sequence and links to the run's page. Tiny budgets on a tiny model.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HF_TINY_DIR, OWN_FIXTURES_DIR } from '../helpers/fixtures.ts';
import { screenshot } from './helpers/browser.ts';
import { useStudioSession } from './helpers/session.ts';

const session = useStudioSession('studio-e2e-continual-fuse-');

describe("the Continual page's fusion over the tasks' adapters", () => {
  it('fuses a finished bottleneck sequence on a chosen task and shows the fusion’s accuracy', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(session.studio.url);
    await page.getByTestId('project-name').fill('Fusion');
    await page.getByTestId('create-project').click();
    await page.getByTestId('current-project').waitFor();

    await page.getByRole('link', { name: 'Continual' }).click();
    await page.getByTestId('continual-new').click();
    await page.getByTestId('continual-model').fill(path.join(HF_TINY_DIR, 'bert-seqcls/base'));
    await page.getByTestId('continual-method').selectOption('bottleneck');
    const csv = (n: string) => path.join(OWN_FIXTURES_DIR, `datasets/continual-${n}.csv`);
    await page.getByLabel('Task 1 name').fill('sentiment');
    await page.getByLabel('Task 1 dataset file').fill(csv('sentiment'));
    await page.getByLabel('Task 2 name').fill('topic');
    await page.getByLabel('Task 2 dataset file').fill(csv('topic'));
    await page.getByLabel('Epochs per task').fill('2');
    await page.getByLabel('Learning rate').fill('0.01');
    await page.getByTestId('continual-start').click();

    const card = page.locator('[data-testid^="continual-run-"]').first();
    await card.getByTestId('continual-status').getByText('completed').waitFor({ timeout: 240_000 });
    const fuse = card.getByTestId('continual-fuse');
    // The last task is offered first, with the sequence's epochs; the user picks the first task and one epoch.
    expect(await fuse.getByTestId('fuse-task').inputValue()).toBe('topic');
    expect(await fuse.getByTestId('fuse-epochs').inputValue()).toBe('2');
    await fuse.getByTestId('fuse-task').selectOption('sentiment');
    await fuse.getByTestId('fuse-epochs').fill('1');
    await fuse.getByTestId('fuse-start').click();

    const fusion = fuse.locator('p.fusion').first();
    await fusion.getByTestId('fusion-status').getByText('completed').waitFor({ timeout: 240_000 });
    const accuracy = (await fusion.getByTestId('fusion-accuracy').textContent()) ?? '';
    expect(accuracy).toMatch(/accuracy on sentiment: \d{1,3}\.\d%$/);
    expect(await fusion.textContent()).toMatch(/the task's own adapter: \d{1,3}\.\d%\)/);
    const link = fusion.getByRole('link');
    expect(await link.textContent()).toMatch(/^#\d+ fusion of continual #\d+ on sentiment$/);
    await screenshot(page, 'continual-fusion-01');

    // The link opens the fusion's own run page.
    await link.click();
    await page.waitForURL(/#\/runs\/\d+$/);
    await page.getByText('fusion of continual').first().waitFor();
    expect(errors).toEqual([]);
  });
});
