/**
 * The Compose page, clicked through in Chromium (web mode): two library adapters of different tasks tried in
 * parallel (one answer each), saved as a stack to the library and picked on the Adapters page like any adapter;
 * New run offers a fusion over the library's bottleneck adapters and previews it.
 */
import type { Database } from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { useTestBackend } from '../helpers/backend.ts';
import { seedTwoTaskLibrary } from '../helpers/compose.ts';
import { screenshot } from './helpers/browser.ts';
import { openProjectDb, TINY_BERT } from './helpers/seed-runs.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-compose-');
let db: Database | undefined;
afterAll(() => db?.close());

describe('the Compose page (web mode)', () => {
  it('tries a parallel composition, saves a stack to the library, and New run offers a fusion', async () => {
    await useTestBackend();
    const { page, errors } = await openStudioPage(session);
    const projectDir = await createProject(page, 'Composition');
    db = openProjectDb(projectDir);
    await seedTwoTaskLibrary(db, projectDir, TINY_BERT);

    await mainNav(page).getByRole('link', { name: 'Compose' }).click();
    await page.getByRole('checkbox', { name: 'Use #1 spam or ham' }).check();
    await page.getByRole('checkbox', { name: 'Use #2 names by gender' }).check();
    await page.getByRole('radio', { name: 'Parallel' }).check();
    await expect
      .poll(() => page.getByTestId('recipe').textContent())
      .toContain('parallel(#1 spam or ham, #2 names by gender)');
    await page.getByTestId('compose-text').fill('Congratulations, you won a free cruise');
    await page.getByRole('button', { name: 'Try in the playground' }).click();
    const first = page.getByTestId('prediction-composition/0');
    const second = page.getByTestId('prediction-composition/1');
    await second.waitFor();
    expect(await first.locator('h3').textContent()).toBe('Composition: #1 spam or ham');
    expect((await first.locator('.label').allTextContents()).sort()).toEqual(['ham', 'spam']);
    expect((await second.locator('.label').allTextContents()).sort()).toEqual(['female', 'male']);
    await screenshot(page, 'compose-01-parallel');

    // A stack: the names adapter on top of the spam adapter, saved to the library with a name.
    await page.getByRole('radio', { name: 'Stack' }).check();
    await page.getByRole('textbox', { name: 'Composition name' }).fill('names over spam');
    await page.getByRole('button', { name: 'Save to library' }).click();
    await page.getByTestId('compose-saved').waitFor();
    expect(await page.getByTestId('compose-saved').textContent()).toContain('#3 names over spam');

    // An average of adapters that answer different labels is refused in one line, and nothing is saved.
    await page.getByRole('radio', { name: 'Average' }).check();
    await page.getByRole('button', { name: 'Save to library' }).click();
    await page.getByTestId('compose-error').waitFor();
    expect(await page.getByTestId('compose-error').textContent()).toMatch(/answer different labels/);

    await mainNav(page).getByRole('link', { name: 'Adapters' }).click();
    await page.getByTestId('try-3').waitFor();
    for (const id of [1, 2]) await page.getByTestId(`try-${id}`).uncheck();
    await page.getByTestId('try-3').check();
    await page.getByTestId('playground-text').fill('Maria');
    await page.getByTestId('playground-predict').click();
    await page.getByTestId('prediction-3').waitFor();
    expect((await page.getByTestId('prediction-3').locator('.label').allTextContents()).sort()).toEqual([
      'female',
      'male',
    ]);
    await screenshot(page, 'compose-02-in-playground');

    await mainNav(page).getByRole('link', { name: 'New run' }).click();
    await page.getByTestId('method').selectOption({ label: 'Fusion over library adapters (AdapterFusion)' });
    await page.getByTestId('fuse-picker').waitFor();
    // The composition itself is no bottleneck adapter: only the two are offered.
    expect(await page.getByTestId('fuse-picker').getByRole('checkbox').count()).toBe(2);
    await page.getByRole('checkbox', { name: 'Fuse #1 spam or ham' }).check();
    await page.getByRole('checkbox', { name: 'Fuse #2 names by gender' }).check();
    await page.getByRole('button', { name: 'Show as CLI config' }).click();
    const shown = JSON.parse((await page.getByTestId('cli-config').textContent()) ?? '{}') as {
      method: unknown;
    };
    expect(shown.method).toEqual({ type: 'fuse', adapters: [1, 2] });
    await screenshot(page, 'compose-03-new-run-fusion');
    expect(errors).toEqual([]);
  });
});
